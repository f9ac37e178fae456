while x do
  f()
