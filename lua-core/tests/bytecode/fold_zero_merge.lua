local a = 0
local b = -0
local c = 0.0
local d = 1/0
local e = -1/0
local f = 3 - 3
