print(pcall(function() local s = {}; return s + 1 end))
