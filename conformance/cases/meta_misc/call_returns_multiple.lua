local f = setmetatable({}, {__call = function(_, ...) return select("#", ...), ... end})
print(f(nil, nil))
