local function f(a, b, c)
  local x, y, z = a, b, c
  return f(x, y, z) + 1
end
local ok, msg = pcall(f, 1, 2, 3)
print(ok, msg)
