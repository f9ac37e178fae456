local t = setmetatable({}, {__metatable = false})
print(getmetatable(t))
print(pcall(setmetatable, t, nil))
