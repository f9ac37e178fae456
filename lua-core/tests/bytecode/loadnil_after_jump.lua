local a
if x then a = 1 end
local b, c
local d
