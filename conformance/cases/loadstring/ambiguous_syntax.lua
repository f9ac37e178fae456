print(loadstring("local a = f\n(g)()"))
