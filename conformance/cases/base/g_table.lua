print(type(_G), _G._G == _G, _G.print == print)
x = 1
print(_G.x, rawget(_G, "x"))
