local function f()
  setfenv(1, {print = print, y = "env y"})
  print(y)
end
f()
print(y)
