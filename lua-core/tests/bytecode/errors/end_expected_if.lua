if x then
  f()
else
  g()
