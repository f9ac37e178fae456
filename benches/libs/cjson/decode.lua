-- cjson.decode of a 10 KB JSON document, 4,000 times.
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

local text = document()
local records, fields = 0, 0
for _ = 1, 4000 do
  local doc = cjson.decode(text)
  records = records + #doc
  fields = fields + #doc[40].tags
end
print(#text, records, fields)
local last = cjson.decode(text)[40]
print(last.id, last.name, last.score, last.ratio, last.active, last.address.zip, last.note)
