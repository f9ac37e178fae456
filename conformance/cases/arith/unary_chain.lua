print(- -2, not not nil, - - -3)
