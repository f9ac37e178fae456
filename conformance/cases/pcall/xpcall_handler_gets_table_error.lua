local e = {}
print(xpcall(function() error(e) end, function(m) return m == e end))
