local a, b
local x = not a
x = not not a
x = not nil
x = not 1
x = not (a == b)
x = not (a and b)
x = not a or b
