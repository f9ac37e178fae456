-- string.format with the common conversions: integers, padded and signed fields, hex,
-- fixed and %g floats, strings and %q.
local ROUNDS = 200000

local total_length, checksum = 0, 0
for i = 1, ROUNDS do
  local a = string.format("%d:%5d:%-6d|%x|%X|%o", i, i % 1000, -i, i, i * 7, i % 512)
  local b = string.format("%.3f %10.2f %g %e", i / 7, -i / 3, i / 1024, i * 1.5)
  local c = string.format("[%s] [%10s] [%-8s] %q %c%%", "id" .. i % 10, "x", "y", "a\"b\n", 65 + i % 26)
  total_length = total_length + #a + #b + #c
  checksum = (checksum + a:byte(#a) + b:byte(3) * 3 + c:byte(#c - 1) * 7) % 1000000007
end

print(string.format("format: %d %d", total_length, checksum))
