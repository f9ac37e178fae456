-- Assigning nil to an absent key inserts it, as lua5.1 does: later pairs orders, borders
-- and next see it.
local t = {a=1,b=2,c=3,d=4}
t.x = nil
for k, v in pairs(t) do io.write(k, "=", v, " ") end print()
local u = {}
for i = 1, 10 do u[i] = i end
u[3] = nil; u[7] = nil; u[10] = nil
for i = 11, 20 do u[i * 7] = nil end
print(#u)
for k, v in pairs(u) do io.write(k, "=", v, " ") end print()
local v = {} v[1] = nil print(pcall(next, v, 1))
local w = {} w.k = nil print(pcall(next, w, "k"))
print(pcall(next, {}, "zz"))
local s = {}
for i = 1, 40 do s["k" .. i] = (i % 3 == 0) and i or nil end
local keys = {}
for k, v in pairs(s) do keys[#keys + 1] = k .. "=" .. v end
print(table.concat(keys, " "))
local r = {}
for i = 1, 5 do r[i] = i end
r[6] = nil r[7] = nil r[8] = 8
print(#r)
rawset(r, "q", nil)
print(pcall(next, r, "q"))
local g = setmetatable({}, {__newindex = function(t, k, v) rawset(t, k, v) end})
g.z = nil
print(pcall(next, g, "z"))
