-- `%` over every pair from a grid of integers and near-integers: both signs, zeros of both
-- signs, the ends of the 32-bit range and beyond, and fractions. Results are printed to 17
-- digits, with 1/r to show the sign of a zero result.
local values = { 0, -0.0, 1, -1, 2, -2, 3, -3, 7, -7, 13, -13, 100, -100, 2147483647,
  -2147483648, 2147483648, -2147483649, 4294967296, 2^53, -2^53, 2^53 + 2, 1e300, 0.5, -0.5,
  2.5, -7.25 }
for _, a in ipairs(values) do
  for _, b in ipairs(values) do
    local r = a % b
    print(string.format("%.17g %% %.17g = %.17g", a, b, r), 1 / r)
  end
end
-- The same through variables in a loop, the way counters are usually reduced.
local sum = 0
for i = -50, 50 do
  for j = -7, 7 do
    if j ~= 0 then sum = sum + i % j * (j + 11) end
  end
end
print(sum)
