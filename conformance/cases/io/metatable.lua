-- file handles share one metatable whose __index is itself
local mt = getmetatable(io.stdout)
print(mt.__index == mt, type(mt.__gc), type(mt.__tostring), getmetatable(io.stdin) == mt)
local names = {}
for k in pairs(mt) do names[#names + 1] = k end
print(table.concat(names, " "))
names = {}
for k, v in pairs(io) do names[#names + 1] = k .. ":" .. type(v) end
print(table.concat(names, " "))
print(tostring(io.stdout):match("^file %(0x%x+%)$") ~= nil)
print(pcall(mt.__tostring, {}))
local name = os.tmpname()
local f = io.open(name, "w")
mt.__gc(f)
print(io.type(f))
mt.__gc(io.stdout)
print(io.type(io.stdout))
os.remove(name)
