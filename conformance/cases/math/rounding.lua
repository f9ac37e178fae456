-- floor, ceil, abs, modf, fmod: signs of zero, infinities, NaN
local values = {0, -0.0, 0.5, -0.5, 1.5, -1.5, 2^53 + 1, -2^52 - 0.5, 1/0, -1/0, 1e300, -1e-300}
for _, x in ipairs(values) do
  print(x, math.floor(x), math.ceil(x), math.abs(x), math.modf(x))
end
print(math.modf(0/0))
print(math.fmod(5.5, 2), math.fmod(-5.5, 2), math.fmod(5, -3), math.fmod(-6, 3))
print(math.fmod(5, 0), math.fmod(1, 1/0), math.fmod(1/0, 1))
print(math.mod(7, 3), math.mod == math.fmod)
print(math.floor("3.7"), math.ceil(" 0x10 "), math.abs("-2"))
print(pcall(math.floor, "x"))
print(pcall(math.floor))
print(pcall(math.fmod, 1))
