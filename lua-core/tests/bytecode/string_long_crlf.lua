local s = [[a
b
cd]]
local t = 1
local u = 2
