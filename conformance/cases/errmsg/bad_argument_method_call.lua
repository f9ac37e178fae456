local obj = {f = setmetatable}
print(pcall(function() obj:f(5) end))
