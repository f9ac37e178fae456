local function a() return end
local function b() return 1 end
local function c() return 1, 2, 3 end
local function d(x) return x end
local function e(x) return f(x) end
local function g(x) return (f(x)) end
local function h(x) return x, f(x) end
local function i() return; end
