local big = {}
for i = 1, 100000 do big[i] = {} end
collectgarbage()
local before = collectgarbage("count")
big = nil
collectgarbage()
local after = collectgarbage("count")
print(after < before)
