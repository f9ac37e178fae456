local t = {}
print(pcall(function() local fn = t.nothing; fn() end))
