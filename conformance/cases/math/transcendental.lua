-- the libm wrappers, printed with %.14g
local xs = {0, 0.5, 1, 2, 10, -0.5, -3, 100}
for _, x in ipairs(xs) do
  print(x, math.sin(x), math.cos(x), math.tan(x), math.exp(x), math.sinh(x), math.cosh(x), math.tanh(x))
end
for _, x in ipairs{0, 0.25, 0.5, 1, -1, 2} do
  print(x, math.asin(x), math.acos(x), math.atan(x), math.sqrt(x), math.log(x), math.log10(x))
end
print(math.atan2(1, 1), math.atan2(1, -1), math.atan2(-1, -1), math.atan2(0, -1), math.atan2(-0.0, -1))
print(math.pow(2, 0.5), math.pow(-8, 1/3), math.pow(0, 0), math.pow(2, 1024), math.pow(-2, 3))
print(math.deg(math.pi), math.deg(1), math.rad(180), math.rad(1), math.rad(-90))
print(math.pi, math.huge, -math.huge, math.pi == 3.141592653589793)
print(math.log(0), math.log(-1), math.sqrt(-1), math.log10(0), math.exp(1000), math.exp(-1000))
