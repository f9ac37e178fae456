local a = x % 2
local b = 2 % x
local c = x % y
