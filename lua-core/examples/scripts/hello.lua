-- A small tour: closures, tables, metatables, coroutines and string formatting.
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local next_id = counter()

local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({ id = next_id(), x = x, y = y }, Point) end
function Point.__add(a, b) return Point.new(a.x + b.x, a.y + b.y) end
function Point:__tostring() return string.format("Point#%d(%g, %g)", self.id, self.x, self.y) end

local p = Point.new(1, 2) + Point.new(0.5, -4)
print(tostring(p))

local squares = coroutine.wrap(function()
  for i = 1, 5 do coroutine.yield(i * i) end
end)
local list = {}
for _ = 1, 5 do list[#list + 1] = squares() end
print(table.concat(list, " "))

print(("hello from %s"):format(_VERSION), select("#", ...), ...)
