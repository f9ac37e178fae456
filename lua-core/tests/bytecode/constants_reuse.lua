local a = 'x'
local b = 'x'
local c = 1
local d = 1
x = 'x'
y = x
local e = 1.0
