local long = ""
for i = 1, 10 do long = long .. "abcdefghij" end
print(loadstring("x =", long))
print(loadstring("x =", "=" .. long))
print(loadstring("x =", "@" .. long))
