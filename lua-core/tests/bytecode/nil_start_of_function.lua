local function f()
  local a, b
  local c = nil
  return a, b, c
end
