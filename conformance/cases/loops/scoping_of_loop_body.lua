local x = "outer"
for i = 1, 1 do local x = "inner" end
while true do local x = "inner" break end
repeat local x = "inner" until true
print(x)
