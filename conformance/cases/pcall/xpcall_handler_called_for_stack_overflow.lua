local function f() return 1 + f() end
print(xpcall(f, function(m) return "overflow handled" end))
