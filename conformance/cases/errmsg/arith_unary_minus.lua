print(pcall(function() local t = {}; return -t end))
