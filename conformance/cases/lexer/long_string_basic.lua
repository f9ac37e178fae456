local s = [[hello
world]]
print(s)
print(#s)
