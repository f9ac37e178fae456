local function fail() error("after tail call") end
local function f() return fail() end
f()
