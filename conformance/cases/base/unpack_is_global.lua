print(type(unpack), unpack({1, 2}))
