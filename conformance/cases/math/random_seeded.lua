-- random after randomseed matches the C library generator
math.randomseed(42)
print(math.random(1, 100))
local out = {}
for i = 1, 20 do out[i] = math.random(1, 1000) end
print(table.concat(out, " "))
math.randomseed(42)
print(math.random(1, 100))
for _, s in ipairs{0, 1, -5, 2^31 + 5, 123456789, 7.9} do
  math.randomseed(s)
  print(s, math.random(), math.random(10), math.random(-3, 3))
end
math.randomseed(1)
print(math.random(-2^31, 2^31 - 1), math.random(0, 2^31 - 1), math.random(2^31 - 1))
print(math.random(5, 5), math.random(1))
