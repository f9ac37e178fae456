g1, g2 = "a", "b"
print(g1, g2)
g1, g2 = g2
print(g1, g2)
