local t = setmetatable({}, {__newindex = function() error("should not run") end})
print(rawset(t, "k", "v") == t, t.k)
