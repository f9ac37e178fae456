print(pcall(function() local n = 5 return #n end))
