-- string.gmatch and string.find over a text of a few tens of kilobytes: words, key=value
-- captures, numbers, and plain find. The iterator must not copy the subject per match.
local ROUNDS = 150

local words = { "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit" }
local pieces = {}
for i = 1, 4000 do
  pieces[i] = words[i % #words + 1] .. " k" .. i % 13 .. "=" .. (i * 31 % 997)
end
local text = table.concat(pieces, ", ")

local word_count, value_sum, number_sum, found = 0, 0, 0, 0
for _ = 1, ROUNDS do
  for _ in text:gmatch("%a+") do
    word_count = word_count + 1
  end
  for key, value in text:gmatch("(k%d+)=(%d+)") do
    value_sum = value_sum + #key + tonumber(value)
  end
  for n in text:gmatch("%d+") do
    number_sum = (number_sum + tonumber(n)) % 1000000007
  end
  local pos = 1
  while true do
    local s, e = text:find("amet", pos, true)
    if not s then
      break
    end
    found = found + 1
    pos = e + 1
  end
end

print(string.format("gmatch: %d %d %d %d", word_count, value_sum, number_sum, found))
