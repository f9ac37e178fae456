local t = {1, 2, 3,}
local u = {1; 2; 3;}
local v = {x = 1, 2; 3,}
print(#t, #u, #v, v.x)
