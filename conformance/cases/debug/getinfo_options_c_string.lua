-- debug.getinfo reads its options as a C string: they end at a zero byte.
local function named() return debug.getinfo(1, "n\0S") end
local t = named()
print(t.name, t.namewhat, t.source, t.short_src)
print(select("#", debug.getinfo(1, "\0n")), next(debug.getinfo(1, "\0n")))
print(type(debug.getinfo(1, "S\0n").source), debug.getinfo(1, "S\0n").name)
print(pcall(debug.getinfo, 1, " "))
print(debug.getinfo(1, "nn").namewhat)
