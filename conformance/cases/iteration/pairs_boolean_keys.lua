local t = {[true] = "t", [false] = "f"}
for k, v in pairs(t) do print(k, v) end
