print(loadstring("while true do\n\n\nx = 1"))
