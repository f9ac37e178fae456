local t = {}
local s = "k"
for i = 1, 40 do t["key" .. i] = i end
local count, sum = 0, 0
for k, v in pairs(t) do count = count + 1 sum = sum + v end
print(count, sum)
for k, v in pairs(t) do print(k) end
