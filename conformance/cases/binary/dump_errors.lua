-- The loader's messages for cut and damaged binary chunks, under each kind of chunk name.
local d = string.dump(function(a, ...)
  local t = {a, "k", 1.5, true}
  local function g() return t end
  return g, ...
end)
local seen = {}
for len = 0, #d - 1 do
  local f, err = loadstring(d:sub(1, len))
  if len > 0 then
    err = err or "loaded"
    if not seen[err] then seen[err] = true; print(len, err) end
  end
end
print(loadstring("\27"))
print(loadstring("\27Lua"))
print(loadstring("\27Lua\80\0\1\4\8\4\8\0"))
print(loadstring("\27Lua\81\1\1\4\8\4\8\0"))
print(loadstring("\27Lua\81\0\0\4\8\4\8\0"))
print(loadstring("\27Lua\81\0\1\4\4\4\8\0"))
print(loadstring("\27Lua\81\0\1\4\8\4\8\1"))
print(loadstring("\27Lua\81\0\1\4\8\4\8\0"))
local cut = d:sub(1, 40)
print(loadstring(cut, "=equals"))
print(loadstring(cut, "@at.lua"))
print(loadstring(cut, "plain name"))
print(loadstring(cut, ""))
local function once(s) return function() local r = s; s = nil; return r end end
print(load(once(cut)))
print(load(once(cut), "=reader"))
-- A negative count is a bad integer.
print(loadstring(d:sub(1, 12) .. "\0\0\0\0\0\0\0\0" .. "\255\255\255\255" .. d:sub(25)))
-- An unknown constant type.
local f = string.dump(function() return "x" end)
local k = f:find("\4\2\0\0\0\0\0\0\0x\0", 1, true)
print(k ~= nil, loadstring(f:sub(1, k - 1) .. "\9" .. f:sub(k + 1)))
-- Code that breaks the verifier's rules is "bad code".
local g = string.dump(assert(loadstring("return 1", "=?")))
local function patch(at, bytes) return g:sub(1, at - 1) .. bytes .. g:sub(at + #bytes) end
local maxstack_at = 12 + 8 + 3 + 4 + 4 + 4
print(g:byte(maxstack_at), loadstring(patch(maxstack_at, "\0")))
local last_return = g:find("\30\0\128\0", 1, true)
print(loadstring(patch(last_return, "\22\192\255\127")))
print(loadstring(patch(maxstack_at + 5, "\5")))
