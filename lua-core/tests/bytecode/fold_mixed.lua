local x
local a = 1 + 2 + x
local b = x + 1 + 2
local c = 1 + (2 + x)
local d = -x + 1
local e = 'a' + 1
local f = 1 + 'a'
