-- the order pairs visits getinfo's result fields in (it follows the table's layout)
local function f(a) return a end
local function keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  return table.concat(out, " ")
end
for _, opts in ipairs{"S", "l", "u", "n", "f", "L", "Sn", "nSlu", "flnSu", "SlunfL", "fL"} do
  print(opts, "Lua:", keys(debug.getinfo(f, opts)))
  print(opts, "C:", keys(debug.getinfo(print, opts)))
  print(opts, "level:", keys(debug.getinfo(1, opts)))
end
