local t = setmetatable({}, {})
getmetatable(t).__index = function(self, k) return self[k] end
local ok, msg = pcall(function() return t.x end)
print(ok, msg)
