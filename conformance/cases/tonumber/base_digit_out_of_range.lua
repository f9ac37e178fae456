print(tonumber("8", 8), tonumber("9", 9), tonumber("a", 10), tonumber("g", 16))
