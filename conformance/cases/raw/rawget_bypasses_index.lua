local t = setmetatable({a = 1}, {__index = function() return "meta" end})
print(rawget(t, "a"), rawget(t, "b"), t.b)
