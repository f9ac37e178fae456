local function f(...)
  local a, b = ...
  return function() return a, b end
end
print(f(1, 2)())
