local n = 0/0
print(n == n, n ~= n, n < n, n <= n, n > 1, 1 < n)
