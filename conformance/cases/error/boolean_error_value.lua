print(pcall(function() error(false) end))
print(pcall(function() error(true) end))
