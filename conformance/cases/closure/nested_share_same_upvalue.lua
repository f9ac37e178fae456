local function outer()
  local n = 0
  local function inc() n = n + 1 end
  local function wrap() return function() inc() return n end end
  return wrap(), wrap()
end
local p, q = outer()
print(p(), q(), p())
