print(pcall(function() assert(false, "message") end))
print(pcall(function() assert(1 == 2) end))
