print(loadstring("return [=abc"))
