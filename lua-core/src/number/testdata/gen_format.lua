-- Prints one line per (format, number): the format, a tab, the number as "%.17g" (which names
-- the double exactly), a tab, and string.format(format, number). Run by make_golden.sh with
-- lua5.1. (%c is left to the unit tests: its output is not always printable.)
local zero = 0
local values = {
  zero, -zero, 1 / zero, -1 / zero, zero / zero, -(zero / zero),
  1, -1, 0.5, 1.5, 2.5, -2.5, 0.1, 1 / 3, -2 / 3, 100, 123456.789, 0.000123456, 999999.5,
  99.5, 999.5, 99.95, 9995, 0.9999996, 9.9999996e-5,
  9.9999999, 0.95, 0.05, 0.125, 1e15, 1e-5, 1e-4, 9.9999e-5, 255, -255.75, 2 ^ 31, 2 ^ 53,
  2 ^ 63, -2 ^ 63, 2 ^ 64, 1e20, -1e20, 1e100, 1e300, 1.7976931348623157e308,
  2.2250738585072014e-308, 4.9406564584124654e-324, math.pi, 12345678901234567890,
}
local formats = {
  "%d", "%5d", "%-5d", "%05d", "%+d", "% d", "%.3d", "%8.3d", "%-8.3d", "%.0d", "%i", "%+05i",
  "%u", "%+u", "%o", "%#o", "%#5o", "%.0o", "%#.0o", "%x", "%#x", "%#08x", "%X", "%#X", "%08.3x",
  "%#.0x", "%-#10x",
  "%e", "%.0e", "%#.0e", "%.3e", "%E", "%+e", "% e", "%12.4e", "%-12.4e", "%012.4e", "%+012.4E",
  "%.20e", "%.99e",
  "%f", "%.0f", "%#.0f", "%.1f", "%.3f", "%10.2f", "%-10.2f", "%010.2f", "%+f", "% f", "%#f",
  "%.20f", "%5.f", "%99.99f",
  "%g", "%.0g", "%#.0g", "%.1g", "%.3g", "%#.3g", "%#g", "%G", "%.14g", "%.17g", "%.20g",
  "%.99g", "%10g", "%-10g", "%010g", "%+g", "% g", "%+ 010.3G", "%-+ #12.5g", "%#99.50g",
}
for _, f in ipairs(formats) do
  for _, x in ipairs(values) do
    io.write(f, "\t", string.format("%.17g", x), "\t", string.format(f, x), "\n")
  end
end
