local t = setmetatable({x = 1}, {__newindex = function() print("not called") end})
t.x = nil
print(t.x)
t.x = 5
print(rawget(t, "x"))
