local fs = {}
for i = 1, 3 do
  for j = 1, 3 do
    local v = i * 10 + j
    fs[#fs + 1] = function() return v end
    if j == 2 then break end
  end
end
local out = ""
for i = 1, #fs do out = out .. fs[i]() .. " " end
print(out)
