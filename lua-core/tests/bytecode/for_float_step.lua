for i = 0.5, 2.5, 0.25 do f(i) end
for i = 10, 1, -2.5 do end
for i = 1, 2, 2 - 1 do end
for i = -1, -(2^3) do end
