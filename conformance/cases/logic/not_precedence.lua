print(not 1 and 2, not (1 and 2), not nil == true)
