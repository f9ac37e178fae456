while true do
  if x then break end
  f()
end
while a do break end
