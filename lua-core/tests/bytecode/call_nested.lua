f(g(h(1)), i(j(2), k(3)))
local t = f()()()
t = f().x.y()
