print(pcall(function() return "a" .. undefinedglobal end))
