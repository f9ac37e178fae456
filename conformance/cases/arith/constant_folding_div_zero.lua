local function f() return 1 / 0, 0 / 0 ~= 0 / 0, 1 % 0 ~= 1 % 0 end
print(f())
