local count
local function f() return function() return count + 1 end end
print(pcall(f()))
