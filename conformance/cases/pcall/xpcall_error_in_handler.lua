print(xpcall(function() error("first") end, function(m) error("second") end))
