print(pcall(function() local b = false; return b.x end))
