print(pcall(function() local x; return 1 < x end))
