-- cjson.encode of a 10 KB document (decoded once), 8,000 times.
local cjson = cjson or require("cjson")
-- The 10 KB document: 40 records with strings, numbers, booleans, a nested object and an
-- array each, built the same way under every interpreter.
local function document()
  local parts = {}
  for i = 1, 40 do
    parts[#parts + 1] = string.format(
      '{"id":%d,"name":"user-%d","email":"user%d@example.com","score":%s,"active":%s,' ..
      '"tags":["alpha","beta","gamma-%d"],"address":{"street":"%d Main Street",' ..
      '"city":"Springfield","zip":"%05d"},"ratio":%s,"note":"line\\nbreak \\"quoted\\" \\/ slash"}',
      i, i, i, tostring(i * 12.5), tostring(i % 3 == 0), i, i * 7, i * 37, tostring(1 / i))
  end
  return "[" .. table.concat(parts, ",") .. "]"
end

local doc = cjson.decode(document())
local total = 0
local out
for _ = 1, 8000 do
  out = cjson.encode(doc)
  total = total + #out
end
-- Key order inside objects follows each interpreter's table layout; lengths do not.
print(#out, total)
print(cjson.encode({1.5, "a/b", true, false, {}, 1e300, -0.1, 2^53}))
