-- While and repeat loops with a branch in the body: total Collatz steps for 1..N.
local N = 200000

local total, longest, longest_start = 0, 0, 0
local start = 1
while start <= N do
  local n, steps = start, 0
  while n ~= 1 do
    if n % 2 == 0 then
      n = n / 2
    else
      n = 3 * n + 1
    end
    steps = steps + 1
  end
  total = total + steps
  if steps > longest then
    longest, longest_start = steps, start
  end
  start = start + 1
end

local countdown, turns = N * 10, 0
repeat
  countdown = countdown - 1
  turns = turns + 1
until countdown == 0

print(string.format("while: %d %d %d %d", total, longest, longest_start, turns))
