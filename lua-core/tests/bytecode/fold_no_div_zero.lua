local a = 1 / 0
local b = 1 % 0
local c = 0 / 0
local d = -(0/0)
local e = 2 ^ 0.5
local f = (-8) ^ (1/3)
