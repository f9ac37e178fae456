print(tonumber("1.5", 10), tonumber("15", 10), tonumber("1e2", 10))
