print(pcall(function() local t; return t[1] end))
