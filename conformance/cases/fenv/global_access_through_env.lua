local env = setmetatable({}, {__index = _G})
local f = loadstring("newvar = 1; return print ~= nil")
setfenv(f, env)
print(f(), rawget(env, "newvar"), newvar)
