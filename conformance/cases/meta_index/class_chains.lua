-- Field and method lookups that miss the object and walk `__index` tables (class chains),
-- mixed with handlers that are functions, strings and missing, and with writes that must
-- invalidate what earlier lookups found.
local Base = {}
Base.__index = Base
function Base.name() return "base" end
function Base:who() return "I am " .. self:name() end

local Mid = setmetatable({}, Base)
Mid.__index = Mid
function Mid.name() return "mid" end

local Leaf = setmetatable({}, Mid)
Leaf.__index = Leaf

local obj = setmetatable({}, Leaf)
print(obj:who(), obj.name(), obj.missing, rawget(obj, "who"))

-- A method defined lower in the chain later hides the inherited one.
function Leaf.name() return "leaf" end
print(obj:who())
Leaf.name = nil
print(obj:who())

-- A function handler in the middle of the chain.
local calls = 0
setmetatable(Mid, { __index = function(t, k) calls = calls + 1; return "from function: " .. k end })
print(obj.anything, obj.who, calls)

-- A string as `__index`: lookups go to the string library through the string metatable.
local s = setmetatable({}, { __index = "text" })
print(s.len == string.len, s.upper == string.upper, s.nothing)

-- An `__index` that is not indexable.
local bad = setmetatable({}, { __index = true })
print(pcall(function() return bad.field end))

-- A table whose metatable has no `__index` at all, and one with a nil `__index` field.
print(setmetatable({}, {}).x, setmetatable({}, { __index = nil }).x)

-- Integer and other non-string keys through a chain.
local arr = setmetatable({}, { __index = { 10, 20, [true] = "yes", [1.5] = "half" } })
print(arr[1], arr[2], arr[3], arr[true], arr[1.5])

-- A cycle of `__index` tables ends in "loop in gettable".
local a, b = {}, {}
setmetatable(a, { __index = b })
setmetatable(b, { __index = a })
print(pcall(function() return a.nothing end))
