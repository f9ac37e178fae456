print(pcall(collectgarbage, "bogus"))
print(pcall(collectgarbage, 1))
