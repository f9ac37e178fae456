print(xpcall(function() error("x") end, function(m) return 1, 2, 3 end))
