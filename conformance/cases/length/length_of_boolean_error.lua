print(pcall(function() return #true end))
