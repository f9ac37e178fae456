-- table.sort: default order for numbers and strings, comparators, duplicates
local function show(t) local out = {} for i = 1, #t do out[i] = tostring(t[i]) end print(table.concat(out, " ")) end
local t = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0, -1, 3.5, 1e10, -1e10}
table.sort(t) show(t)
table.sort(t, function(a, b) return a > b end) show(t)
local s = {"banana", "apple", "Cherry", "apple", "", "a\0b", "a", "ab"}
table.sort(s) show(s)
local d = {} for i = 1, 100 do d[i] = (i * 37) % 11 end
table.sort(d) show(d)
local e = {}
table.sort(e) show(e)
local one = {42} table.sort(one) show(one)
local two = {2, 1} table.sort(two) show(two)
local three = {3, 1, 2} table.sort(three) show(three)
-- records sorted by a field, ties broken by another
local recs = {}
for i = 1, 20 do recs[i] = {k = i % 4, id = i} end
table.sort(recs, function(a, b) if a.k ~= b.k then return a.k < b.k end return a.id > b.id end)
local out = {} for i, r in ipairs(recs) do out[i] = r.k .. ":" .. r.id end print(table.concat(out, " "))
print(pcall(table.sort, {1, "x", 3}))
print(pcall(table.sort, {{}, {}}))
print(pcall(table.sort, {1, 2, 3}, 4))
print(pcall(table.sort, "x"))
print(pcall(table.sort, {3, 2, 1}, function(a, b) error("cmp failed") end))
-- nil in the middle: only up to the border is sorted
local holes = {3, 2, 1}
holes[5] = 0
table.sort(holes)
print(holes[1], holes[2], holes[3], holes[4], holes[5])
