-- min and max: comparisons in argument order, NaN handling, string coercion
print(math.min(3), math.max(3))
print(math.min(1, 2, -3, 4), math.max(1, 2, -3, 4))
print(math.min(1, 0/0, -1), math.max(0/0, 1), math.min(0/0, 1))
print(math.min(0, -0.0), math.max(-0.0, 0))
print(math.min("10", 9), math.max("0x10", 15))
print(pcall(math.min))
print(pcall(math.max, 1, "x"))
print(pcall(math.max, 1, nil, 2))
