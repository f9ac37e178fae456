local t = {x = nil, y = 1}
print(t.x, t.y)
