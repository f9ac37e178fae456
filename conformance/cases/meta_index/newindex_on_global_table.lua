local seen = {}
setmetatable(_G, {__newindex = function(t, k, v) seen[#seen + 1] = k rawset(t, k, v) end})
newglobal = 1
newglobal = 2
setmetatable(_G, nil)
print(#seen, seen[1], newglobal)
