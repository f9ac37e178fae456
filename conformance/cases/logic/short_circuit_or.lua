local called = 0
local function f() called = called + 1 return 1 end
local r = 1 or f()
print(r, called)
r = nil or f()
print(r, called)
