local order = {}
do
  for i = 1, 3 do
    local p = newproxy(true)
    getmetatable(p).__gc = function(u) order[#order + 1] = i end
  end
end
collectgarbage()
print(table.concat(order, ","))
local keep = newproxy(true)
getmetatable(keep).__gc = function() print("bye from keep") end
local weak = setmetatable({}, {__mode = "k"})
do
  local p = newproxy(true)
  getmetatable(p).__gc = function(u) print("finalizing", weak[u]) end
  weak[p] = "resurrected value"
end
collectgarbage()
collectgarbage()
print(next(weak))
local q = newproxy(true)
getmetatable(q).__gc = function() error("in gc") end
q = nil
print(pcall(collectgarbage))
print("end")
