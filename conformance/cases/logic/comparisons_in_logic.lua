local a, b = 3, 5
print(a < b and "lt" or "ge", a == b or a > b)
