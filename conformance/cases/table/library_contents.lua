-- the table library's functions, in the order pairs visits them
local names = {}
for k, v in pairs(table) do names[#names + 1] = k .. ":" .. type(v) end
print(table.concat(names, " "))
