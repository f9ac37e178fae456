print(pcall(function() local a; return a + 1 end))
