local function f() return 1, 2 end
local t = {f(), f(), f()}
print(#t)
