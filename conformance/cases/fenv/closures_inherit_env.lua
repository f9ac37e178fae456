local function maker() return function() return z end end
setfenv(maker, {z = "inherited"})
print(maker()())
