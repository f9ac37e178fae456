print(loadstring("x = [[\n\n\n]] y"))
