local get = getfenv
local function f() return get() end
local env = {}
setfenv(f, env)
print(f() == env)
