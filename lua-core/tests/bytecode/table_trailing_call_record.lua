local t = {f(), g(), x = 1}
local u = {a = 1; f()}
local v = {..., n = select('#', ...)}
