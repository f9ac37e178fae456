local f
print(pcall(function() f() end))
