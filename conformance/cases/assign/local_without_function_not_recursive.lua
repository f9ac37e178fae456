local f = function() return 1 end
local f = function(n) if n == 0 then return f() end return "outer" end
print(f(0))
