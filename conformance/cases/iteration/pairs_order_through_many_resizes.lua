-- Traversal order after many resizes of both parts: integer keys that start in the hash part
-- and move to the array part when it grows, strings, floats and booleans colliding in the hash
-- part, and deletions before the next growth.
local t = {}
for i = 40, 1, -3 do t[i] = "int" .. i end
for i = 1, 30 do t["s" .. i] = i end
t[true], t[false], t[0.5], t[-7] = "yes", "no", "half", "neg"
for i = 1, 40, 2 do t[i] = "odd" .. i end
for i = 1, 30, 4 do t["s" .. i] = nil end
for i = 41, 70 do t[i] = i end
local order = {}
for k, v in pairs(t) do order[#order + 1] = tostring(k) .. "=" .. tostring(v) end
print(#order)
print(table.concat(order, " "))
print(#t)
