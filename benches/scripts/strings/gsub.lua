-- string.gsub with a string replacement using captures, a function replacement, a table
-- replacement, and an anchored pattern, over a text of a few kilobytes.
local ROUNDS = 2400

local words = { "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta" }
local pieces = {}
for i = 1, 400 do
  pieces[i] = words[i % #words + 1] .. "=" .. (i * 37 % 1000)
end
local text = table.concat(pieces, "; ")

local lookup = { alpha = "A", beta = "B", gamma = "G" }
local function bracket(w)
  return "<" .. #w .. ">"
end

local total_length, total_count = 0, 0
for _ = 1, ROUNDS do
  local s1, n1 = text:gsub("(%a+)=(%d+)", "%2:%1")
  local s2, n2 = text:gsub("%a+", bracket)
  local s3, n3 = text:gsub("%a+", lookup)
  local s4, n4 = text:gsub("^%s*(%a+)", "[%1]")
  local s5, n5 = text:gsub("%d", "#", 100)
  total_length = total_length + #s1 + #s2 + #s3 + #s4 + #s5
  total_count = total_count + n1 + n2 + n3 + n4 + n5
end

print(string.format("gsub: %d %d", total_length, total_count))
