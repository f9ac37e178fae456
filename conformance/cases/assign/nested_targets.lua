local t = {a = {}}
t.a.b, t.a.c = "b", "c"
print(t.a.b, t.a.c)
