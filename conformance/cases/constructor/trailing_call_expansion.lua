local function three() return 1, 2, 3 end
local t = {three()}
print(#t, t[1], t[3])
local u = {three(), three()}
print(#u, u[1], u[2], u[4])
