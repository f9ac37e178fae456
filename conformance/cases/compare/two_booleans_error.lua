print(pcall(function() return true <= false end))
