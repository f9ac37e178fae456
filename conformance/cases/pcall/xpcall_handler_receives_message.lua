print(xpcall(function() error("oops") end, function(m) return "handled: " .. m end))
