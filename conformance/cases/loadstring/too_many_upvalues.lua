local src = ""
for i = 1, 61 do src = src .. "local a" .. i .. " = " .. i .. " " end
src = src .. "return function() return 0"
for i = 1, 61 do src = src .. " + a" .. i end
src = src .. " end"
local f, err = loadstring(src)
print(f and f()() or err)
