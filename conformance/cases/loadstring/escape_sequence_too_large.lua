print(loadstring("return '\\300'"))
