print(pcall(function() local x; return "a" .. x end))
