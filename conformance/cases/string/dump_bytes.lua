-- string.dump writes the same binary chunk as lua5.1, byte for byte.
local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end
local up = 10
local function f(a, b, ...)
  local c = a + b * 2.5
  local function g() return up, c end
  if c > 3 then return g(), "str", true, nil end
  return ...
end
print(hex(string.dump(f)))
print(hex(string.dump(function() end)))
print(#string.dump(function(x) return x end))
