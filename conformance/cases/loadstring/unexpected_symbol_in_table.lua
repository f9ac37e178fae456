print(loadstring("t = {1 2}"))
print(loadstring("t = {x = }"))
