local src = "local a1"
for i = 2, 201 do src = src .. ", a" .. i end
print(loadstring(src))
