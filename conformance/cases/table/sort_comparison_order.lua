-- table.sort performs the same comparisons in the same order as Lua 5.1's quicksort:
-- inconsistent comparators give the same results and the same errors.
local seed = 12345
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n end
for trial = 1, 120 do
  local n = rnd(40)
  local t = {}
  for i = 1, n do t[i] = rnd(20) end
  local mode = trial % 4
  local cmp
  local log = {}
  if mode == 0 then cmp = function(a, b) log[#log + 1] = a .. "<" .. b return a < b end
  elseif mode == 1 then cmp = function(a, b) log[#log + 1] = a .. ">" .. b return a > b end
  elseif mode == 2 then cmp = function(a, b) return rnd(2) == 0 end
  else cmp = function(a, b) return a <= b end end
  local ok, err = pcall(table.sort, t, cmp)
  print(trial, ok, err, #log, table.concat(t, ","))
  if trial <= 8 then print(table.concat(log, " ")) end
end
