print(pcall(function() error("msg") end))
print(pcall(function() error("msg", 1) end))
