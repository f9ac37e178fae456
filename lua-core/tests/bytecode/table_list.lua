local t = {1, 2, 3}
local u = {'a', 'b', x, y}
local v = {1, 2, 3,}
local w = {1; 2; 3}
