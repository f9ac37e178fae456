local function op(name) return function(a, b) return name end end
local mt = {__add = op("add"), __sub = op("sub"), __mul = op("mul"), __div = op("div"), __mod = op("mod"), __pow = op("pow")}
local t = setmetatable({}, mt)
print(t + 1, t - 1, t * 1, t / 1, t % 1, t ^ 1)
print(1 + t, 1 - t, 1 * t, 1 / t, 1 % t, 1 ^ t)
