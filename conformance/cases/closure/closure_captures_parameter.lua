local function adder(n) return function(x) return x + n end end
local add5 = adder(5)
print(add5(1), adder(10)(1))
