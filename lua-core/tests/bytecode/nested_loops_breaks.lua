for i = 1, 3 do
  while true do
    repeat
      if i then break end
    until false
    if i == 2 then break end
  end
  if i then break end
end
