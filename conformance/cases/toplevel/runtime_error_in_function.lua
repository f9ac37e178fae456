local function inner()
  local x = nil
  return x + 1
end
local function outer()
  inner()
end
outer()
