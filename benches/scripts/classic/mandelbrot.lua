-- Mandelbrot set membership on a grid: tight floating-point loops with an early exit.
-- Instead of an image, prints the count of points inside and a checksum of escape times.
local SIZE = 800
local ITERATIONS = 50

local inside, escape_sum = 0, 0
for y = 0, SIZE - 1 do
  local ci = 2.0 * y / SIZE - 1.0
  for x = 0, SIZE - 1 do
    local cr = 2.0 * x / SIZE - 1.5
    local zr, zi, zr2, zi2 = 0.0, 0.0, 0.0, 0.0
    local escaped_at = 0
    for i = 1, ITERATIONS do
      zi = 2.0 * zr * zi + ci
      zr = zr2 - zi2 + cr
      zr2 = zr * zr
      zi2 = zi * zi
      if zr2 + zi2 > 4.0 then
        escaped_at = i
        break
      end
    end
    if escaped_at == 0 then
      inside = inside + 1
    else
      escape_sum = escape_sum + escaped_at
    end
  end
end

print(string.format("mandelbrot(%d): %d %d", SIZE, inside, escape_sum))
