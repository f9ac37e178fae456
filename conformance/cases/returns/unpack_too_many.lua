print(pcall(unpack, {}, 1, 1e8))
