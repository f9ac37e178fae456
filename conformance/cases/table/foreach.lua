-- table.foreach and table.foreachi: iteration and early return
print(table.foreachi({10, 20, 30}, function(i, v) print(i, v) end))
print(table.foreachi({10, 20, 30}, function(i, v) if v == 20 then return "found", i end end))
local t = {a = 1}
table.foreach(t, print)
print(table.foreach({5}, function(k, v) return v * 2 end))
local keys = 0
table.foreach({x = 1, y = 2, z = 3, 4, 5}, function(k, v) keys = keys + 1 end)
print(keys)
print(pcall(table.foreach, {}, 1))
print(pcall(table.foreachi, {}, nil))
print(pcall(table.foreach, nil, print))
print(pcall(table.foreachi, {1}, function() error("inside") end))
