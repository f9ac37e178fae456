local t = {n = 5}
print(pcall(function() t.n() end))
