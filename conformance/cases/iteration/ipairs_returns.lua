local f, s, i = ipairs({})
print(type(f), type(s), i)
print(f({7, 8}, 1))
print(f({7, 8}, 2))
