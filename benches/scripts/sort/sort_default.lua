-- table.sort with the default `<` order on numbers and on strings. The input comes from a
-- Park-Miller generator (exact in doubles), so every interpreter sorts the same data.
local SIZE = 100000
local ROUNDS = 8

local seed = 42
local function random(n)
  seed = seed * 16807 % 2147483647
  return seed % n
end

local checksum = 0
for _ = 1, ROUNDS do
  local numbers = {}
  for i = 1, SIZE do
    numbers[i] = random(1000000)
  end
  table.sort(numbers)
  for i = 1, SIZE, 97 do
    checksum = (checksum + numbers[i] * (i % 10)) % 1000000007
  end

  local words = {}
  for i = 1, SIZE / 4 do
    words[i] = "w" .. random(100000)
  end
  table.sort(words)
  for i = 1, #words, 101 do
    checksum = (checksum + #words[i] * i) % 1000000007
  end
end

print(string.format("sort: %d", checksum))
