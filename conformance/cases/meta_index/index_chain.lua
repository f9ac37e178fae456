local a = {a = "A"}
local b = setmetatable({b = "B"}, {__index = a})
local c = setmetatable({c = "C"}, {__index = b})
print(c.a, c.b, c.c, c.d)
