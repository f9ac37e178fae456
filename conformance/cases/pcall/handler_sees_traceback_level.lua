print(xpcall(function() local x = nil + 1 end, function(m) return "got: " .. m end))
