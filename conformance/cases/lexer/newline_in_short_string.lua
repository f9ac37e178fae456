print(loadstring("return 'a\nb'"))
