local called = false
local function f() called = true return 1 end
local r = false and f()
print(r, called)
