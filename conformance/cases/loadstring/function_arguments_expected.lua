print(loadstring("x:y"))
print(loadstring("x:y = 1"))
