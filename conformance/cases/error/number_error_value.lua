local ok, err = pcall(function() error(42) end)
print(ok, err, type(err))
local ok2, err2 = pcall(function() error(42, 2) end)
print(ok2, err2, type(err2))
