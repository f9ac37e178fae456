local x = 1
local function f() return x end
x = 2
print(f())
x = 3
print(f())
