local function f() return 1, 2, 3 end
local function g() return f() end
local function h() return f(), 0 end
local function k() return (f()) end
print(g())
print(h())
print(k())
