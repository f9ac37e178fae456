local a, b, c = 'x', 'y', 'z'
local s = a .. b
s = a .. b .. c
s = a .. 'lit' .. 1 .. c
s = (a .. b) .. c
s = a .. (b .. c)
x = y .. z
