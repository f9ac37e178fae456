local t = {}
local names = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
for i = 1, #names do t[names[i]] = i end
for k, v in pairs(t) do print(k, v) end
