print(pcall(function() local t = {} return t .. "a" end))
