local src = "local a1"
for i = 2, 200 do src = src .. ", a" .. i end
print(type((loadstring(src))))
