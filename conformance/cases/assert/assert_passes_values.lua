print(assert(1, "unused", 3))
print(assert("x"))
