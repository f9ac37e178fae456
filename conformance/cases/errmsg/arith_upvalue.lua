local u = "abc"
print(pcall(function() return u - 1 end))
