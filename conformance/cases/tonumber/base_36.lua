print(tonumber("z", 36), tonumber("zz", 36), tonumber("Zz", 36), tonumber("lua", 36))
