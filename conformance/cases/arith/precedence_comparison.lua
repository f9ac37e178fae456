print(1 + 1 == 2, 2 < 3 == true, not 1 == 2)
