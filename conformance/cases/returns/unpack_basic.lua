print(unpack({1, 2, 3}))
print(unpack({}))
