print(pcall(function() undefinedtable.x = 1 end))
