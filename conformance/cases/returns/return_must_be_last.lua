print(loadstring("return 1 print(2)"))
print(type((loadstring("do return end print(2)"))))
