local src = "return " 
for i = 1, 150 do src = src .. "(" end
src = src .. "1"
for i = 1, 150 do src = src .. ")" end
local f, e = loadstring(src)
print(type(f), e)
