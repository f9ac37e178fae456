local ok, e = pcall(function() error("first") end)
print(pcall(function() error(e, 0) end))
print(pcall(function() error(e) end))
