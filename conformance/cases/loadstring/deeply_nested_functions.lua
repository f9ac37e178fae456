local src = ""
for i = 1, 250 do src = src .. "local function f" .. i .. "() " end
for i = 1, 250 do src = src .. "end " end
local f, e = loadstring(src)
print(type(f), e)
