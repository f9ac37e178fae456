local function three() return 1, 2, 3 end
local t = {(three())}
print(#t)
