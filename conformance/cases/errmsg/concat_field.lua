local t = {}
print(pcall(function() return t.name .. "!" end))
