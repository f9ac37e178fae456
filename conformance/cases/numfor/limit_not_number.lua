print(pcall(function() for i = 1, {} do end end))
