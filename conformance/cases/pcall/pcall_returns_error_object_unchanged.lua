local e = {}
local ok, err = pcall(error, e)
print(ok, rawequal(err, e))
