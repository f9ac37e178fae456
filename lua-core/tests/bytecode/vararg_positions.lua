local function f(...)
  g(..., 1)
  g(1, ...)
  local t = {..., 1}
  local u = {1, ...}
  return (...)
end
