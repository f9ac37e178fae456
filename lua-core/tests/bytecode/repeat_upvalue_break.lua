repeat
  local a = f()
  if a == 2 then break end
  g(function() return a end)
until a > 10
