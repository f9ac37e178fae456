print(pcall(function() error() end))
print(pcall(function() error(nil) end))
