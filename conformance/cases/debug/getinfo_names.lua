-- debug.getinfo 'n': how the caller named the function
local function who(level)
  local t = debug.getinfo(level or 2, "n")
  return tostring(t.name) .. " " .. t.namewhat
end
local function loc() return who() end
print("local", loc())
glob = function() return who() end
print("global", glob())
local t = {field = function() return who() end}
print("field", t.field())
function t:meth() return who() end
print("method", t:meth())
local up = function() return who() end
local function useup() return (up()) end
print("upvalue", useup())
print("tail call", (function() return who() end)())
print("pcall", pcall(who))
local mt = {__index = function(t, k) return who() end}
print("metamethod", setmetatable({}, mt).x)
for k in (function() return function(s, c) if c then return nil end return who() end end)() do
  print("for iterator", k)
end
print("getinfo in C", debug.getinfo(1, "n").namewhat == "")
