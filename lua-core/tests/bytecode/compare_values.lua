local a, b = 1, 2
local c = a == b
c = a ~= b
c = a < b
c = a <= b
c = a > b
c = a >= b
c = a == 1
c = 1 < a
c = 'x' == a
c = nil == a
c = true ~= a
