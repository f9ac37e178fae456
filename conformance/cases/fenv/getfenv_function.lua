local env = {}
local function f() end
setfenv(f, env)
print(getfenv(f) == env, getfenv(print) == _G)
