-- N queens by backtracking: recursion, small boolean arrays and integer arithmetic.
local N = 10
local ROUNDS = 40

local function solve(n)
  local cols, diag1, diag2 = {}, {}, {}
  local solutions = 0
  local function place(row)
    if row > n then
      solutions = solutions + 1
      return
    end
    for c = 1, n do
      local d1, d2 = row + c, row - c + n
      if not cols[c] and not diag1[d1] and not diag2[d2] then
        cols[c], diag1[d1], diag2[d2] = true, true, true
        place(row + 1)
        cols[c], diag1[d1], diag2[d2] = false, false, false
      end
    end
  end
  place(1)
  return solutions
end

local total = 0
for round = 1, ROUNDS do
  total = total + solve(N) * round
end
print(string.format("queens(%d): %d", N, total))
