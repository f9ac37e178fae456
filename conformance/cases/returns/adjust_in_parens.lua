local function f() return 1, 2, 3 end
print((f()))
