local t = {{1, 2}, {x = {y = "deep"}}, {}}
print(t[1][2], t[2].x.y, #t[3], #t)
