print(tonumber("ffffffff", 16), tonumber("100000000", 16), tonumber("zzzzzzzz", 36))
