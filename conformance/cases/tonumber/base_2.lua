print(tonumber("101", 2), tonumber("111111", 2), tonumber("2", 2), tonumber("", 2))
