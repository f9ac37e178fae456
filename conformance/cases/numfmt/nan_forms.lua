local nan = 0/0
print(nan)
print(-nan)
print(-(0/0))
