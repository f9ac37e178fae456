-- NUL bytes: kept by counts and *a, but they cut a line read with *l (as fgets and strlen do)
local name = os.tmpname()
local f = io.open(name, "wb")
f:write("a\0b\nc\n", "\0\n", "x\0", "\n", "tail\0")
f:close()
f = io.open(name)
print(#f:read("*a"))
f:seek("set")
for i = 1, 5 do local l = f:read("*l") print(l and #l, l and l:byte(1, -1)) end
f:seek("set")
print(f:read(4):byte(1, -1))
f:close()
for l in io.lines(name) do print(#l) end
os.remove(name)
