local function f() return 10, 20 end
print(f() + 1, 1 + f())
