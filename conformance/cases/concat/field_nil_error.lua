print(pcall(function() local t = {} return "a" .. t.missing end))
