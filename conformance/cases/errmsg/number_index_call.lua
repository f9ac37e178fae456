print(pcall(function() local t = {} t[1]() end))
