while x do
  local a = 1
  f(function() return a end)
  if y then break end
end
