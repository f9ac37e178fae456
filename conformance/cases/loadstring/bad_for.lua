print(loadstring("for 1 = 1, 2 do end"))
print(loadstring("for i do end"))
print(loadstring("for a, b = 1, 2 do end"))
