repeat
  local a = f()
  g(function() return a end)
until a
