local t = {}
t.x = 1
t['y'] = 2
t[1] = 3
t[t] = t
t.a.b.c = 4
x.y = z.w
