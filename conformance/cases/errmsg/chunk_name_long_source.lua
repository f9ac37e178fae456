local src = "local x; return x.y -- " .. "a very long line of source text that goes on and on and on and on"
print(pcall(loadstring(src)))
local src2 = "\nlocal x; return x.y"
print(pcall(loadstring(src2)))
