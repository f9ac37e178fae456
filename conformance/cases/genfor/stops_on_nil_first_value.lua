local seq = {1, 2, false, 4}
local function it(_, i) i = i + 1 if i <= 4 then return seq[i] and i or nil, seq[i] end end
for i, v in it, nil, 0 do print(i, v) end
