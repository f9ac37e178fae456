local a = 1
local b, c = 2, 3
local d, e
local f, g = 1
local h = 1, 2, 3
