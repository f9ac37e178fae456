local src = "return {"
for i = 1, 300 do src = src .. "k" .. i .. "=" .. i .. "," end
src = src .. "}"
local t = loadstring(src)()
print(t.k1, t.k150, t.k300, #t)
