local x = 3
print(-x ^ 2, -x * 2, 2 - -x)
