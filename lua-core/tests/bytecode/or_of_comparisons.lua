local a, b = 1, 2
local x = a < b or a == b
local y = (a < b) and (b < 3) and (a > 0)
local z = a == 1 or b == 2 or nil
