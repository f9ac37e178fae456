-- debug.getfenv / debug.setfenv
local function f() return x end
print(debug.getfenv(f) == _G, debug.getfenv(print) == _G)
print(debug.getfenv(1), debug.getfenv("x"), debug.getfenv(nil))
print(pcall(debug.getfenv))
local env = {x = "from env"}
print(debug.setfenv(f, env) == f, f(), debug.getfenv(f) == env)
print(debug.getfenv(require) == package, debug.getfenv(newproxy()) == _G)
local u = newproxy()
print(debug.setfenv(u, env) == u, debug.getfenv(u) == env)
print(debug.getfenv(coroutine.create(f)) == _G)
print(pcall(debug.setfenv, 1, {}))
print(pcall(debug.setfenv, f, 1))
print(pcall(debug.setfenv, f))
print(pcall(debug.setfenv, "s", {}))
local nf = string.len
print(debug.setfenv(nf, env) == nf, debug.getfenv(nf) == env, getfenv(nf) == env)
