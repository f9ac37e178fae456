print(pcall(function() return 1 + undefinedvar end))
