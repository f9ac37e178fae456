print(loadstring("x = 1 + + 2"))
print(loadstring("x = 'str' 'str2'"))
print(loadstring("x = 12abc"))
print(loadstring("x = [[long\nstring]] y"))
