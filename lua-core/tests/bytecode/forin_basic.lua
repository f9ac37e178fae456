for k, v in pairs(t) do f(k, v) end
for i, v in ipairs(t) do end
for x in f do end
for a, b, c, d in f, s, v do end
