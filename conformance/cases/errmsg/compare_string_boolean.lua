print(pcall(function() return "a" <= true end))
