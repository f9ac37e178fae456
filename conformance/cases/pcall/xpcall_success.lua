print(xpcall(function() return "fine", 2 end, function() return "unused" end))
