local a = 1
local b = 2
local c = 3
local d = 4
local e = 5 +
