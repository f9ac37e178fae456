-- without randomseed the generator starts as if seeded with 1
print(math.random(), math.random(10), math.random(5, 7))
local out = {}
for i = 1, 10 do out[i] = math.random(100) end
print(table.concat(out, " "))
