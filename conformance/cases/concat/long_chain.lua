local s = ""
for i = 1, 20 do s = s .. i .. "," end
print(s, #s)
