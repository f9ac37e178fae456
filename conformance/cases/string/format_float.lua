-- string.format floating conversions through every flag, width and precision form.
local values = {0, (function(z) return -z end)(0), 1, -1, 0.5, 1.5, 2.5, 0.1, 1/3, 123.456, 1e10, 1e-10, 1e15, 1e16, 1e100, -1e-300, 5e-324, 1.7976931348623157e308, 1/0, -1/0, 0/0}
local formats = {"%f", "%.2f", "%10.3f", "%-10.1f|", "%+f", "% f", "%010.2f", "%#.0f", "%.0f", "%e", "%.3e", "%E", "%+12.4e", "%g", "%G", "%.3g", "%#g", "%10g|", "%-10g|", "%.0g", "%.10g", "%#.3g", "%.99f"}
for _, f in ipairs(formats) do
  local row = {}
  for _, v in ipairs(values) do row[#row + 1] = string.format(f, v) end
  print(f, table.concat(row, " "))
end
print(string.format("%5.1f|%-8.3e|%G", 3.14159, 2.71828, 1e-20))
print(string.format("%.14g", 0.1), string.format("%.17g", 0.1), string.format("%99.99f", -1e308):len())
print(string.format("%f", "1e2"), string.format("%g", " 0x10 "))
