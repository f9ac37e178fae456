-- A full table inside the compiler is a runtime error in lua5.1: whatever message handler
-- runs at the time (here the interpreter's traceback, or xpcall's) sees it.
local parts = {}
for i = 1, 262200 do parts[i] = "x" .. i .. "=1" end
local src = table.concat(parts, " ")
print(loadstring(src))
print(pcall(loadstring, src))
print(xpcall(function() return loadstring(src) end, function(m) return "handled: " .. m end))
