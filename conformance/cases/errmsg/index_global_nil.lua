print(pcall(function() return undefinedglobal.field end))
