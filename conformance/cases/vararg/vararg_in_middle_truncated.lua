local function f(...) return ..., "end" end
print(f(1, 2, 3))
