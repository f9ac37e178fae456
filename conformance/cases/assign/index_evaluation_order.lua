local t = {}
local log = ""
local function k(n) log = log .. n return n end
t[k(1)], t[k(2)] = k(3), k(4)
print(log, t[1], t[2])
