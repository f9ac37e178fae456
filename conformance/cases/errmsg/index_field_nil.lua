local t = {}
print(pcall(function() return t.a.b end))
