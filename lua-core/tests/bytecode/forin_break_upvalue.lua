for k, v in next, t do
  if k then break end
  g(function() return k, v end)
end
