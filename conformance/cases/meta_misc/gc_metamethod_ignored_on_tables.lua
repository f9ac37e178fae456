local t = setmetatable({}, {__gc = function() print("gc called") end})
t = nil
collectgarbage()
print("end")
