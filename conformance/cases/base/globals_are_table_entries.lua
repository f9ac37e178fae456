local count = 0
myglobal = 1
for k, v in pairs(_G) do if k == "myglobal" then count = count + 1 end end
print(count)
