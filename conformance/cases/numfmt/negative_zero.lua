print(-0, 0 * -1, -0.0)
local z = 0
print(-z)
