local function get() return {} end
local t = {}
local function self() return t end
self().x = 5
print(t.x)
