print(pcall(unpack))
print(pcall(unpack, nil))
print(pcall(unpack, "abc"))
