local f = print
local g = f
(g)("x")
