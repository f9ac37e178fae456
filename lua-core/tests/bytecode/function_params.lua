local function f(a, b, c) return a + b + c end
local function g(a) local b = a return b end
local function h() end
