print(1 or 2 and 3, nil and 1 or 2, false or nil and 1)
