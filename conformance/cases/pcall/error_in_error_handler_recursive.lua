local function handler(m) return handler(m) + 1 end
print(xpcall(function() error("e") end, handler))
