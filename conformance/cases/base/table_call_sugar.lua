local function f(t) return #t end
print(f{1, 2, 3})
