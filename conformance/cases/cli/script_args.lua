print(select("#", ...), ...)
print(arg[0], arg[1], arg[2], arg[3], #arg)
print(arg[-1], arg[-2])
