-- string.format integer conversions: casts of the number, flags, width and precision.
local values = {0, 1, -1, 42, -42, 255, 3.7, -3.7, 2^31, -2^31, 2^32 + 5, 2^53, -2^53, 2^63, -2^63, 1e300, -1e300, 1/0, -1/0}
local formats = {"%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%.3d", "%8.3d", "%-+8.3d|", "%x", "%X", "%#x", "%#X", "%08x", "%o", "%#o", "%u", "%.0d", "%+.0i", "% 05d"}
for _, f in ipairs(formats) do
  local row = {}
  for _, v in ipairs(values) do row[#row + 1] = string.format(f, v) end
  print(f, table.concat(row, " "))
end
print(string.format("%d", 0/0) == string.format("%d", -(0/0)))
print(string.format("%d %s %d", "10", 20, "0x10"))
print(string.format("%c%c%c", 76, 117, 97), string.format("%5c|%-5c|", 65, 66))
print(string.format("%c", 256 + 65), string.format("%c", 65.9))
print(#string.format("%c", 0), #string.format("%3c", 0), #string.format("a%cb", 0))
