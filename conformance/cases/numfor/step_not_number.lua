print(pcall(function() for i = 1, 2, false do end end))
