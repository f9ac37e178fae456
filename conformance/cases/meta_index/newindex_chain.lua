local inner = {}
local middle = setmetatable({}, {__newindex = inner})
local outer = setmetatable({}, {__newindex = middle})
outer.k = "v"
print(rawget(outer, "k"), rawget(middle, "k"), inner.k)
