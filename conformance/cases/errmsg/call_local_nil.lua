print(pcall(function() local f; f() end))
