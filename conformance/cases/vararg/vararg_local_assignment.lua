local function f(...) local a, b = ... return a, b end
print(f(1))
print(f(1, 2, 3))
