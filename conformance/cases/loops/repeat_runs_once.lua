local n = 0
repeat n = n + 1 until true
print(n)
