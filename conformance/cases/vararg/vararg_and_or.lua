local function f(...) return ... or "none" end
print(f(), f(false, 1), f(1, 2))
