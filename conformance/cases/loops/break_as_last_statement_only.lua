print(loadstring("while true do break print(1) end"))
print(type((loadstring("while true do do break end print(1) end"))))
