-- within one function the constants 0 and -0 share one slot (they compare
-- equal), so whichever appears first is used for both
local a = -0.0
local b = 1/0
print(a, b)
local c = 0
print(1/c)
local function other() local z = 0 return 1/z end
print(other())
