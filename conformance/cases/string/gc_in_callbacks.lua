-- Collections inside gsub/gmatch callbacks and __index handlers keep subjects, patterns and captures alive.
local src = {}
for i = 1, 200 do src[i] = "w" .. i .. "=" .. (i * 7) end
local text = table.concat(src, " ")
src = nil
local out = text:gsub("(w)(%d+)=(%d+)", function(a, b, c)
  collectgarbage("collect")
  local junk = {}
  for i = 1, 50 do junk[i] = ("j" .. i):rep(3) end
  return c .. "=" .. a .. b
end)
print(#out, out:sub(1, 40))
local n = 0
for k, v in (("k1=v1 k2=v2 "):rep(300)):gmatch("(%w+)=(%w+)") do
  collectgarbage("collect")
  n = n + #k + #v
end
print(n)
local mt = setmetatable({}, {__index = function(t, k) collectgarbage("collect"); return k:upper() .. #k end})
print((("abc def ghi "):rep(50)):gsub("%a+", mt):sub(1, 30))
local it = string.gmatch(("xy"):rep(100) .. "", "x(y)")
collectgarbage("collect")
local c = 0
for y in it do c = c + #y; collectgarbage("step") end
print(c)
