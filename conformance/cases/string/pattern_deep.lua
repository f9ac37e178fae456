-- Long patterns and subjects: many optional items, long lazy and greedy runs, many matches.
local n = 50000
local s = string.rep("a", n)
print(#s:match(string.rep("a?", n)))
local text = string.rep("x = 1; ", 20000)
print(#text:match("^(.-)$"), #text:match("(.*);"), select(2, text:gsub("%w+", "")))
local count = 0
for k, v in text:gmatch("(%w+) = (%d+)") do count = count + 1 end
print(count)
print(text:find("y", 1, true), text:find(";%s*$"))
print(#string.rep("ab", 1000000):gsub("b", "cd"))
