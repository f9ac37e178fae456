local function f(...) return ... end
print(f(1, 2, 3))
print(f())
print((f(1, 2)))
