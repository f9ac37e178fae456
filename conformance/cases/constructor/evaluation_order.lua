local log = ""
local function f(x) log = log .. x return x end
local t = {f("a"), [f("b")] = f("c"), f("d")}
print(log, t[1], t.b, t[2])
