local a, b, c
local x = a and b
x = a or b
x = a and b or c
x = a or b and c
x = (a or b) and c
x = a and 1 or 2
x = nil or false
x = 1 and nil
