print(pcall(error, "direct"))
print(pcall(error, "direct", 1))
print(pcall(error, "direct", 2))
