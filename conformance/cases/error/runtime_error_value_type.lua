local ok, err = pcall(function() local x = nil; return x.y end)
print(ok, type(err))
