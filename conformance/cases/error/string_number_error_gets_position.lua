print(pcall(function() error("42") end))
