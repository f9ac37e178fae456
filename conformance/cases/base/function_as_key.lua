local f = function() end
local t = {[f] = "fn"}
print(t[f], t[print])
