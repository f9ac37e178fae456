print(tostring("abc"), tostring(""), #tostring("a\0b"))
