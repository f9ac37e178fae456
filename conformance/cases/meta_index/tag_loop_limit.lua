-- __index and __newindex chains: 100 steps at most, then 'loop in gettable/settable'.
local function chain(n)
  local base = {v = "found"}
  local t = base
  for i = 1, n do t = setmetatable({}, {__index = t}) end
  return t
end
for _, n in ipairs{98, 99, 100, 101, 150} do print(n, pcall(function() return chain(n).v end)) end
local function nchain(n)
  local base = {}
  local t = base
  for i = 1, n do t = setmetatable({}, {__newindex = t}) end
  return t, base
end
for _, n in ipairs{98, 99, 100, 101} do local t, b = nchain(n); print(n, pcall(function() t.v = 1 end), rawget(b, "v")) end
