print(pcall(function() return 1 < "x" end))
print(pcall(function() return "x" >= 1 end))
