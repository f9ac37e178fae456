local t = {x = 1, y = 2}
local u = {['a b'] = 1, [1] = 2, [x] = y}
local v = {x = 1, 2, y = 3, 4}
