print(loadstring("goto done ::done::"))
