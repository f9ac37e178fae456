-- String building with `..` in a loop: short strings grown piece by piece, mixing string
-- and number operands (numbers are converted as by tostring), plus a multi-operand concat.
local ROUNDS = 60000
local PIECES = 40

local total_length, checksum = 0, 0
for round = 1, ROUNDS do
  local s = ""
  for j = 1, PIECES do
    s = s .. j .. ","
  end
  local line = "round " .. round .. ": " .. s .. " end"
  total_length = total_length + #line
  checksum = (checksum + line:byte(#line - 5) * round) % 1000000007
end

print(string.format("concat: %d %d", total_length, checksum))
