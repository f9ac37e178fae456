-- *n reads numbers as fscanf("%lf") does, leaving the rest
while true do
  local n = io.read("*n")
  local rest = io.read("*l")
  if n == nil and rest == nil then break end
  print(n, rest)
end
