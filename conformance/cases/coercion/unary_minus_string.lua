local s = "5"
print(-s, type(-s))
print(pcall(function() return -"x" end))
