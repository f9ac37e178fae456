local function a() return f(), g() end
local function b() return ... end
local function c(...) return 1, ... end
local function d() return f{1} end
local function e() return o:m'x' end
