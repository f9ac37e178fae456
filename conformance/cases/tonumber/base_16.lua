print(tonumber("ff", 16), tonumber("FF", 16), tonumber("0x10", 16), tonumber("7fffffff", 16))
