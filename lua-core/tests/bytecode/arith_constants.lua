local a = x + 1
a = 1 + x
a = x * 2.5
a = x / 0
a = x % 3
a = 2 ^ x
