f()
f(1)
f(1, 2, 3)
f 'str'
f {1, 2}
f[[long]]
local g = f(1)
