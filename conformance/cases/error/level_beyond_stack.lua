print(pcall(function() error("far", 50) end))
