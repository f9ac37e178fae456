local k = "key"
local t = {[k .. 1] = "a", [1 + 1] = "b", [true] = "c"}
print(t.key1, t[2], t[true])
