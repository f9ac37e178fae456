repeat
  if x then break end
until y
