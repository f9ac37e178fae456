print(tonumber(10, 16), tonumber(255, 2))
