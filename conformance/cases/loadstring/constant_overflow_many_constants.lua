local parts = {}
local src = "local t = {"
for i = 1, 300 do src = src .. "'s" .. i .. "'," end
src = src .. "} return #t"
print(loadstring(src)())
