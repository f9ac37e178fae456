local t = {}
print(pcall(function() t.sub.x = 1 end))
