local function a() local t = {} return t.x.y end
local function b() return (a()) end
local function c() local r = b() return r end
c()
