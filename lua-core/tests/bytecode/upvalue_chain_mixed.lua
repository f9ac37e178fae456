local a = 1
local function f(b)
  local c = 3
  return function(d)
    return function() return a, b, c, d end, function() a = b; c = d end
  end
end
