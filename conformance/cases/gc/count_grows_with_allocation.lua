collectgarbage()
local before = collectgarbage("count")
local keep = {}
for i = 1, 10000 do keep[i] = {i} end
print(collectgarbage("count") > before)
