print(loadstring("x = 1\ny = = 2"))
print(loadstring("\n\nx = ="))
