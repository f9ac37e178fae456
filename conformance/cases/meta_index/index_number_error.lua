print(pcall(function() local n = 5 return n.x end))
