local a = 0
local function inc() a = a + 1 end
local function get() return a end
local function both() inc() return get(), a end
