local t = {[1] = "keyed", "positional"}
print(t[1])
local u = {"positional", [1] = "keyed"}
print(u[1])
