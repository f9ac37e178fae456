local n = select("#", ...)
print(n)
