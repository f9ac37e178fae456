local function f(...) local t = {...} return #t, t[1], t[#t] end
print(f("x", "y", "z"))
