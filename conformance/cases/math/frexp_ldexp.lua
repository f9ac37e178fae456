-- frexp and ldexp, including subnormals, overflow and int conversion of the exponent
for _, x in ipairs{1, -3, 0.1, 1024, 5e-324, 2.2250738585072014e-308, 1e308, 1/0, -1/0} do
  print(x, math.frexp(x))
end
print(math.frexp(0), math.frexp(0/0))
print(math.ldexp(1, 10), math.ldexp(0.5, -1073), math.ldexp(1, 1024), math.ldexp(1, -1075))
print(math.ldexp(3, -1075), math.ldexp(1, -1074), math.ldexp(0.75, 2^31), math.ldexp(1, 2^32 + 3))
print(math.ldexp(1.5, 1023), math.ldexp(-1, 2000), math.ldexp(1e-310, 1074), math.ldexp(7, "2"))
print(pcall(math.ldexp, 1))
print(pcall(math.frexp, {}))
