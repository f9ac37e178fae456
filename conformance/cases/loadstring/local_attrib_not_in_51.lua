print(loadstring("local x <const> = 1"))
