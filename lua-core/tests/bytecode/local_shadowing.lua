local a = 1
local a = a + 1
do local a = a * 2 end
local function a() return a end
