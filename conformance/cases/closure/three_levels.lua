local function a()
  local x = 1
  return function()
    local y = 2
    return function()
      x = x + 1
      return x + y
    end
  end
end
local f = a()()
print(f(), f())
