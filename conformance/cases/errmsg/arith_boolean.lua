print(pcall(function() local b = true; return b * 2 end))
