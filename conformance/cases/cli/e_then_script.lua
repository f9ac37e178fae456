print(x)
print(arg[-2], arg[-1], arg[0])
