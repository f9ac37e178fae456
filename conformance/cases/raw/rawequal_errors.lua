print(pcall(rawequal, 1))
print(pcall(rawequal))
