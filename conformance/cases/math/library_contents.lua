-- the math library's fields, in the order pairs visits them
local names = {}
for k, v in pairs(math) do names[#names + 1] = k .. ":" .. type(v) end
print(table.concat(names, " "))
