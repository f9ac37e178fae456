local e = {}
local ok, err = pcall(assert, false, e)
print(ok, err == e, err)
