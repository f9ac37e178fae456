-- lines longer than the C library's buffer are read whole
local name = os.tmpname()
local f = io.open(name, "w")
local long = string.rep("abcdefghij", 2000)
f:write(long, "\n", long, "x", "\n", string.rep("z", 8191), "\n", string.rep("y", 8192))
f:close()
f = io.open(name)
for i = 1, 5 do local l = f:read("*l") print(l and #l, l == long) end
f:close()
os.remove(name)
