for k in pairs({10}) do print(k) end
for a, b, c in ipairs({"x"}) do print(a, b, c) end
