print(loadstring("function f() return ... end"))
