local x = 1
local x = x + 1
print(x)
do local x = 10 print(x) end
print(x)
