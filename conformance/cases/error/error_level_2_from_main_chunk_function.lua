local function f() error("lvl2", 2) end
print(pcall(f))
