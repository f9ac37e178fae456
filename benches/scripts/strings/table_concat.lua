-- String building with a buffer: appending pieces to a table and joining them with
-- table.concat, with and without a separator.
local ROUNDS = 400
local PIECES = 5000

local total_length, checksum = 0, 0
for round = 1, ROUNDS do
  local parts = {}
  for j = 1, PIECES do
    parts[#parts + 1] = "item"
    parts[#parts + 1] = j % 100
  end
  local joined = table.concat(parts)
  local csv = table.concat(parts, ",", 1, PIECES)
  total_length = total_length + #joined + #csv
  checksum = (checksum + joined:byte(round) + csv:byte(#csv - round % 10)) % 1000000007
end

print(string.format("table.concat: %d %d", total_length, checksum))
