local t = {}
print(pcall(function() t.missing() end))
