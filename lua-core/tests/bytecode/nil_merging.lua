local a, b, c
local d = nil
local e, f = nil, nil
a = nil
b, c = nil
