print(pcall(setfenv, 50, {}))
print(pcall(getfenv, 50))
