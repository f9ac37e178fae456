-- table.sort without a comparator uses '<' with __lt; with mixed types it fails like '<'
local mt = {__lt = function(a, b) return a.v < b.v end}
local t = {}
for i, v in ipairs{5, 1, 4, 2, 3} do t[i] = setmetatable({v = v}, mt) end
table.sort(t)
local out = {} for i, x in ipairs(t) do out[i] = x.v end print(table.concat(out, " "))
print(pcall(table.sort, {setmetatable({v = 1}, mt), 2}))
print(pcall(table.sort, {true, false}))
local calls = 0
local counted = {__lt = function(a, b) calls = calls + 1 return a.v < b.v end}
local u = {} for i = 1, 50 do u[i] = setmetatable({v = (i * 17) % 23}, counted) end
table.sort(u)
print(calls)
-- the comparator may modify the table while sorting; results must match
local w = {9, 8, 7, 6, 5, 4, 3, 2, 1}
local n = 0
print(pcall(table.sort, w, function(a, b) n = n + 1 if n == 5 then w[3] = nil end return (a or 0) < (b or 0) end))
for i = 1, 9 do io.write(tostring(w[i]), " ") end print()
