local function f(n) if n == 0 then return 1 end return n * f(n - 1) end
local g = function() return g end
