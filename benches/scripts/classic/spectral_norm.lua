-- spectral-norm (Computer Language Benchmarks Game): nested loops of floating-point
-- arithmetic over arrays, calling a small function in the inner loop.
local N = 600

local function a(i, j)
  local ij = i + j - 1
  return 1.0 / (ij * (ij - 1) * 0.5 + i)
end

local function av(x, y, n)
  for i = 1, n do
    local sum = 0
    for j = 1, n do
      sum = sum + x[j] * a(i, j)
    end
    y[i] = sum
  end
end

local function atv(x, y, n)
  for i = 1, n do
    local sum = 0
    for j = 1, n do
      sum = sum + x[j] * a(j, i)
    end
    y[i] = sum
  end
end

local function atav(x, y, t, n)
  av(x, t, n)
  atv(t, y, n)
end

local u, v, t = {}, {}, {}
for i = 1, N do
  u[i] = 1
end
for _ = 1, 10 do
  atav(u, v, t, N)
  atav(v, u, t, N)
end
local vbv, vv = 0, 0
for i = 1, N do
  local ui, vi = u[i], v[i]
  vbv = vbv + ui * vi
  vv = vv + vi * vi
end
print(string.format("spectral-norm(%d): %0.9f", N, math.sqrt(vbv / vv)))
