-- Every one-argument math function over infinities, NaNs, zeros of both signs, subnormals and
-- values outside each function's domain; the results at 17 digits, so that the sign of a NaN
-- and the last bit of a result both show.
local inputs = {-1/0, -1e300, -710, -2, -1, -0.75, -0.5, -1e-310, -0.0, 0, 1e-310, 0.1, 0.5,
  0.75, 1, 1.5, 2, 3, 10, 100, 709, 710, 1e15, 1e300, 1/0, 0/0, -(0/0)}
local unary = {"abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "deg", "exp", "floor", "log",
  "log10", "rad", "sin", "sinh", "sqrt", "tan", "tanh", "frexp", "modf"}
for _, name in ipairs(unary) do
  local f = math[name]
  for _, x in ipairs(inputs) do
    local a, b = f(x)
    print(name, string.format("%.17g", x), string.format("%.17g", a), b)
  end
end
local few = {-1/0, -2, -0.5, -0.0, 0, 0.5, 2, 1/0, 0/0}
for _, name in ipairs({"atan2", "fmod", "pow"}) do
  for _, x in ipairs(few) do
    for _, y in ipairs(few) do
      print(name, string.format("%.17g %.17g %.17g", x, y, math[name](x, y)))
    end
  end
end
