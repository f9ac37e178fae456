local f = loadstring("error('inside')")
print(pcall(f))
local g = loadstring("error('inside')", "=(load)")
print(pcall(g))
