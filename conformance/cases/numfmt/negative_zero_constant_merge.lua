local a = -0.0
local b = 0
print(a, b)
