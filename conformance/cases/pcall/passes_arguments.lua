print(pcall(function(a, b) return a + b end, 3, 4))
