local a, b, c = 2, 3, 4
print(a + b * c - a / b ^ c % 3, (a + b) * (c - a) / b)
