local env = {getfenv = getfenv}
local function f() return getfenv(1), getfenv(2) end
setfenv(f, env)
local a, b = f()
print(a == env, b == _G)
