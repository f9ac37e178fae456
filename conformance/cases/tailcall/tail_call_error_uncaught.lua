local function bad() error("in tail") end
local function f() return bad() end
f()
