local function many() local t = {} for i = 1, 100 do t[i] = i end return unpack(t) end
print(select("#", pcall(many)))
