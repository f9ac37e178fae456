local a = 1 + 2
local b = 10 - 3 * 2
local c = 2 ^ 10
local d = 7 % 3
local e = 1 / 2
local f = -5
local g = - -5
local h = (1 + 2) * 3
