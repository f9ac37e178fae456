local function f() f() end
local ok, msg = pcall(f)
print(ok, type(msg))
