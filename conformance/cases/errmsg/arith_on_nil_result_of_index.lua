local t = {a = {}}
print(pcall(function() return t.a.b + 1 end))
