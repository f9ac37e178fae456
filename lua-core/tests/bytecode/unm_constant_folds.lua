local a = -1
local b = -(-1)
local c = -(2^2)
local d = -2^2
local e = -'a'
local f = -{}
