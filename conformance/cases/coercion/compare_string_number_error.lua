print(pcall(function() return "10" < 5 end))
print(pcall(function() return 5 <= "10" end))
