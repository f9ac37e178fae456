local t = {[true] = 1, [false] = 0}
print(t[true], t[false])
