local parts = {}
local src = "return {"
for i = 1, 500 do src = src .. i .. "," end
src = src .. "}"
local t = loadstring(src)()
print(#t, t[1], t[250], t[500])
