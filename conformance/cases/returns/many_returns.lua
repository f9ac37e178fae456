local function f(n) if n == 0 then return end return n, f(n - 1) end
print(f(10))
print(select("#", f(150)))
