print(tonumber(" 11 ", 2), tonumber("1 1", 2), tonumber("\t7\n", 8))
