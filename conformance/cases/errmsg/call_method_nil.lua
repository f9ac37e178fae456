local obj = {}
print(pcall(function() obj:missing() end))
