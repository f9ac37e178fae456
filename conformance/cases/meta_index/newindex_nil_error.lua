print(pcall(function() local t; t.x = 1 end))
