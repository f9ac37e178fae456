-- table.sort with a Lua comparator: descending numbers, then records ordered by two fields.
-- Keys are distinct where ties could make the result depend on the algorithm's details.
local SIZE = 60000
local ROUNDS = 5

local seed = 7
local function random(n)
  seed = seed * 16807 % 2147483647
  return seed % n
end

local function descending(a, b)
  return a > b
end

local function by_group_then_id(a, b)
  if a.group ~= b.group then
    return a.group < b.group
  end
  return a.id < b.id
end

local checksum = 0
for _ = 1, ROUNDS do
  local numbers = {}
  for i = 1, SIZE do
    numbers[i] = random(1000000)
  end
  table.sort(numbers, descending)
  for i = 1, SIZE, 89 do
    checksum = (checksum + numbers[i] * (i % 10)) % 1000000007
  end

  local records = {}
  for i = 1, SIZE / 2 do
    records[i] = { group = random(50), id = i }
  end
  table.sort(records, by_group_then_id)
  for i = 1, #records, 37 do
    local r = records[i]
    checksum = (checksum + r.group * 31 + r.id * (i % 7)) % 1000000007
  end
end

print(string.format("sort_cmp: %d", checksum))
