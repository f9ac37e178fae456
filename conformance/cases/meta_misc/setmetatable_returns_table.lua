local t = {}
print(setmetatable(t, {}) == t)
print(setmetatable(t, nil) == t, getmetatable(t))
