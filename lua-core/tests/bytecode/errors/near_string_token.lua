x = 1 "str\tx"
