local inf = 1/0
print(inf - inf, inf * 0)
