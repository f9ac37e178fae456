print(pcall(function() return "a" .. true end))
print(pcall(function() return nil .. "a" end))
