print(1 and 2, nil and 2, false and nil, 0 and "zero", "" and "empty")
