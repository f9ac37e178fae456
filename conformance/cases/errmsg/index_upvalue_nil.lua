local up
print(pcall(function() return up.x end))
