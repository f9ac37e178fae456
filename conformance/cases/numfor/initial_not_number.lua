print(pcall(function() for i = "x", 2 do end end))
print(pcall(function() for i = nil, 2 do end end))
