print(loadstring("x = @"))
print(loadstring("x = $"))
