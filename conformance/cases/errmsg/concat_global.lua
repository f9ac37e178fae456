print(pcall(function() return "a" .. undefinedvar end))
