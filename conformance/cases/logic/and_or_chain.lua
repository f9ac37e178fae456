print(1 and 2 and 3, nil or false or 3, 1 and nil or 4)
