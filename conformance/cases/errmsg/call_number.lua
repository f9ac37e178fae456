print(pcall(function() local n = 1; n() end))
