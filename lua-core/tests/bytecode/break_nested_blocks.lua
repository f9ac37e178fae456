while true do
  do
    local a
    f(function() return a end)
    break
  end
end
