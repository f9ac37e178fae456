local a, b = 1, 2
local function f()
  local c = a
  return function() return a + b + c end
end
