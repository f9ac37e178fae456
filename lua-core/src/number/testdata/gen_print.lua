-- Prints one line per number: the number as "%.17g" (which names the double exactly), a tab,
-- and tostring(number), which is what print shows. Run by make_golden.sh with lua5.1.
local numbers = {}
local function add(x) numbers[#numbers + 1] = x end

-- Special values. The compiler folds the constant -0.0 into 0, and 0/0 into nothing, so these
-- are computed at run time; on x86-64, 0/0 has its sign bit set and prints "-nan".
local zero = 0
add(zero); add(-zero); add(1 / zero); add(-1 / zero); add(zero / zero); add(-(zero / zero))

-- Powers of ten, both as correctly rounded literals and as computed by pow().
for k = -30, 30 do add(tonumber("1e" .. k)); add(10 ^ k); add(-tonumber("1e" .. k)) end
for _, k in ipairs{-324, -323, -310, -308, -307, -300, -200, -100, 100, 200, 300, 307, 308} do
  add(tonumber("1e" .. k))
end

-- Powers of two, including subnormals; from 2^-21 on, many are exact 15-digit ties at %.14g.
for _, k in ipairs{-1074, -1073, -1072, -1060, -1050, -1030, -1023, -1022, -1021, -1000,
                   -500, -100, -64, -53, -52, -40, -30, -25, -24, -23, -22, -21, -20} do
  add(2 ^ k)
end
for k = 0, 70 do add(2 ^ k) end
for _, k in ipairs{100, 500, 1000, 1022, 1023} do add(2 ^ k); add(-(2 ^ k)) end
add(2 ^ 53 - 1); add(2 ^ 53 + 2); add(2 ^ 63 - 1024); add(2 ^ 64 - 2048)

-- Around the switch to exponent notation and the 14-digit limit.
for _, x in ipairs{1e15 - 1, 1e15, 1e15 + 1, 1e16, 1e14 - 1, 1e14, 1e14 + 1, 1e14 - 0.5,
                   99999999999999.5, 99999999999998.5, 999999999999999, 9999999999999.95,
                   99999999999999.4, 0.0001, 0.00009999999999999999, 0.000099999999999999,
                   0.00009999999999999, 0.00001, 0.0000999999999999995, 1e-4 * (1 + 2 ^ -52),
                   123456789012345, 123456789012355, 12345678901234.5, 12345678901235.5,
                   1234567890123.45, 0.123456789012345, 1.00000000000005, 1.0000000000000502,
                   2.00000000000005, 0.5, 1.5, 2.5, 3.5, -0.5, -2.5, 0.25, 0.125, 0.375,
                   9.99999999999995, 9.999999999999949, 99.9999999999995, 0.999999999999995,
                   4.5, 5.5, 1e21, 1e22, 1e23, 123e18} do
  add(x)
end

-- Limits of the double type.
add(1.7976931348623157e308); add(-1.7976931348623157e308); add(2.2250738585072014e-308)
add(2.2250738585072009e-308); add(4.9406564584124654e-324); add(2 ^ 52 + 0.5)

-- Everyday decimals and fractions.
for _, x in ipairs{0.1, 0.2, 0.3, 0.1 + 0.2, 1 / 3, 2 / 3, 1 / 7, 22 / 7, math.pi, -math.pi,
                   math.exp(1), math.sqrt(2), 100.5, 1234.5678, 3.14, 2.675, 1.005, 0.015,
                   299792458, 6.02214076e23, 6.62607015e-34, 1.602176634e-19, 42, -42,
                   255, 65535, 4294967295, 4294967296, -2147483648} do
  add(x)
end

-- Pseudo-random doubles from a Park-Miller generator (products stay below 2^53, so the
-- sequence is the same everywhere).
local seed = 20240601
local function draw()
  seed = (seed * 16807) % 2147483647
  return seed
end
local function mantissa53()
  return (draw() % 2097152) * 4294967296 + (draw() % 65536) * 65536 + draw() % 65536
end
for _ = 1, 120 do  -- any exponent
  local e = draw() % 2098 - 1074
  local x = math.ldexp(mantissa53(), e - 52)
  if draw() % 2 == 0 then x = -x end
  add(x)
end
for _ = 1, 120 do  -- moderate exponents: mostly plain notation
  local e = draw() % 70 - 20
  local x = math.ldexp(mantissa53(), e - 52)
  if draw() % 2 == 0 then x = -x end
  add(x)
end
for _ = 1, 60 do  -- short decimals, as scripts write them
  add((draw() % 2000001 - 1000000) / 10 ^ (draw() % 7))
end
for _ = 1, 60 do  -- integers of every length
  add(math.floor(draw() / 2 ^ (draw() % 31)) * 10 ^ (draw() % 18))
end

for _, x in ipairs(numbers) do
  io.write(string.format("%.17g", x), "\t", tostring(x), "\n")
end
