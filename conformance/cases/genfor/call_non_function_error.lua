print(pcall(function() for x in 42 do end end))
