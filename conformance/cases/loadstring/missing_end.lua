print(loadstring("if true then"))
print(loadstring("function f()\n  return 1\n"))
