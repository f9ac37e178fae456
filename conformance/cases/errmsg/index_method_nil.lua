local t = {}
print(pcall(function() return t:nomethod() end))
