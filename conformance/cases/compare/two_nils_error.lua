print(pcall(function() return nil < nil end))
