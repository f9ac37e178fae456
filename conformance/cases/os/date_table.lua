-- os.date("*t") and os.date("!*t"): fields and their traversal order
for _, t in ipairs{0, 1700000000, -86400 * 366, 951782400} do
  for _, f in ipairs{"!*t", "*t"} do
    local d = os.date(f, t)
    local out = {}
    for k, v in pairs(d) do out[#out + 1] = k .. "=" .. tostring(v) end
    print(f, t, table.concat(out, " "))
  end
end
