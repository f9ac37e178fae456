local src = "local x0 = 0\n"
for i = 1, 59 do src = src .. "local x" .. i .. " = " .. i .. "\n" end
src = src .. "return function() return x0"
for i = 1, 59 do src = src .. " + x" .. i end
src = src .. " end"
local f, err = loadstring(src)
print(f and f()() or err)
