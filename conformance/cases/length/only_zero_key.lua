local t = {[0] = 1}
print(#t)
