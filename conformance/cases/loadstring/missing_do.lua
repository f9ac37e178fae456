print(loadstring("for i = 1, 2 print(i) end"))
print(loadstring("while true x = 1 end"))
