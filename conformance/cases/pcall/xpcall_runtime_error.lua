print(xpcall(function() local t; return t.x end, function(m) return "H:" .. m end))
