repeat
  f()
