local function curry(a) return function(b) return a .. b end end
print(curry "x" "y")
