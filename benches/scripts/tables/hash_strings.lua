-- Hash part of tables with string keys: inserting, updating, looking up (hits and misses)
-- and deleting. The keys are built once, so this measures the table, not string creation.
local KEYS = 20000
local ROUNDS = 100

local keys, missing = {}, {}
for i = 1, KEYS do
  keys[i] = "key" .. i
  missing[i] = "absent" .. i
end

local checksum = 0
for round = 1, ROUNDS do
  local counts = {}
  for i = 1, KEYS do
    local k = keys[i]
    counts[k] = (counts[k] or 0) + i
  end
  for i = KEYS, 1, -1 do
    local k = keys[i]
    counts[k] = counts[k] + round
  end
  local hits = 0
  for i = 1, KEYS do
    if counts[keys[i]] then
      hits = hits + 1
    end
    if counts[missing[i]] then
      hits = hits - 1
    end
  end
  for i = 1, KEYS, 2 do
    counts[keys[i]] = nil
  end
  -- pairs visits keys in an unspecified order; a sum of integers does not depend on it.
  local sum = 0
  for _, v in pairs(counts) do
    sum = sum + v
  end
  checksum = (checksum + hits + sum) % 1000000007
end

print(string.format("hash: %d", checksum))
