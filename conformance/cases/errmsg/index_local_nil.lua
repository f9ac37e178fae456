local x
print(pcall(function() local y; return y.field end))
