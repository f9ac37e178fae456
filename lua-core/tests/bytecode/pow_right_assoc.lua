local a = 2^3^2
local b = x^y^z
local c = -x^2
