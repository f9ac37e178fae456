print(tonumber("1.5", 16), tonumber("1.0", 2))
