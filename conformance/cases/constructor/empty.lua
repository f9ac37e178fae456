local t = {}
print(type(t), #t, next(t))
