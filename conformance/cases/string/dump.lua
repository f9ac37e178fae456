-- string.dump refuses native functions and checks its argument.
print(pcall(string.dump, print))
print(pcall(string.dump, string.dump))
print(pcall(function() return string.dump() end))
print(pcall(function() return string.dump("x") end))
print(pcall(function() return string.dump({}) end))
