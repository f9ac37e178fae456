local k = ""
for i = 1, 100 do k = k .. "k" end
local t = {[k] = "long key"}
print(t[k], #k)
