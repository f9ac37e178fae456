-- Numeric for loops: FORPREP/FORLOOP with integer-valued steps, nested loops and a
-- negative step, with a little arithmetic in the body.
local N = 12000

local sum = 0
for i = 1, N do
  for j = 1, N, 3 do
    sum = sum + (i + j) % 13
  end
end

local down = 0
for i = N * 1000, 1, -2 do
  down = down + 1
end

print(string.format("numeric_for: %d %d", sum, down))
