print(pcall(loadstring("return 1 < 2 < 3")))
