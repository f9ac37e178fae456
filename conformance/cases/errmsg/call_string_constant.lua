print(pcall(function() ("x")() end))
