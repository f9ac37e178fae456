local t = {}
print(pcall(function() return t.x * 2 end))
