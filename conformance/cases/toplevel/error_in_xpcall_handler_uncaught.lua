print(xpcall(function() error("a") end, function() error("b") end))
error("then fail")
