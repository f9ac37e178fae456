local t = {n = 1}
print(pcall(function() return t.n.x end))
