local t = {}
print(t[nil], t[0/0])
