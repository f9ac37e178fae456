local t = setmetatable({}, {__metatable = {"shield"}})
print(getmetatable(t)[1])
