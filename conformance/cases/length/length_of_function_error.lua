print(pcall(function() return #print end))
