-- os.date in UTC with every strftime conversion, on fixed times
local times = {0, 1700000000, -1, 951782400, 2^31, -62135596800, -62135596801, 253402300800, 1e12, -1e12, 1.9, -1.5}
local chars = {}
for c = 32, 126 do chars[#chars + 1] = string.char(c) end
for _, t in ipairs(times) do
  local out = {}
  for _, ch in ipairs(chars) do out[#out + 1] = ch .. "=" .. os.date("!%" .. ch, t) end
  print(t, table.concat(out, "|"))
end
