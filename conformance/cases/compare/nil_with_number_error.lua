print(pcall(function() return nil < 1 end))
