local function two() return 1, 2 end
print(two() and two())
print((two()))
print(nil or two())
