--[[ never closed
print(1)
