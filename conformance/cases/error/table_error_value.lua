local e = {code = 42}
local ok, err = pcall(function() error(e) end)
print(ok, err == e, err.code)
