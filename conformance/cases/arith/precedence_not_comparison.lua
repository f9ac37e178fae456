print(not 1 == nil, not (1 == nil))
