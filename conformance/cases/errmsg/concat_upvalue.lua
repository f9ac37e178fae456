local u
print(pcall(function() return u .. "!" end))
