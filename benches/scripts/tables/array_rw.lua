-- Array part of tables: a sieve of Eratosthenes (boolean writes and reads by integer key),
-- then appending with t[#t + 1] and prefix sums over a numeric array.
local LIMIT = 1000000
local ROUNDS = 3

local function sieve(limit)
  local composite = {}
  for i = 1, limit do
    composite[i] = false
  end
  local count = 0
  for i = 2, limit do
    if not composite[i] then
      count = count + 1
      for j = i * i, limit, i do
        composite[j] = true
      end
    end
  end
  return count
end

local function prefix_sums(n)
  local t = {}
  for i = 1, n do
    t[#t + 1] = i % 97
  end
  for i = 2, n do
    t[i] = (t[i] + t[i - 1]) % 1000003
  end
  return t[n]
end

local primes, sums = 0, 0
for _ = 1, ROUNDS do
  primes = primes + sieve(LIMIT)
  sums = sums + prefix_sums(LIMIT)
end

print(string.format("array: %d %d", primes, sums))
