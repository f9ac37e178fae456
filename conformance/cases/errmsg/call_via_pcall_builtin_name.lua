print(pcall(setmetatable, 1))
print(pcall(rawlen or tostring))
