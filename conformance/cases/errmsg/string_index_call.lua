local t = {}
print(pcall(function() t["with space"]() end))
