local function inner() setfenv(2, {result = "set"}) end
local function outer()
  inner()
  return result
end
print(outer())
