print(tonumber("1\0"), tonumber("\0"))
