print(loadstring("return 7 // 2"))
