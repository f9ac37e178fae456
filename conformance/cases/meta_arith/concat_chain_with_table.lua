local mt = {__concat = function(a, b)
  local l = type(a) == "table" and "T" or a
  local r = type(b) == "table" and "T" or b
  return l .. r
end}
local t = setmetatable({}, mt)
print("a" .. "b" .. t .. "c" .. "d")
