local t = {1, 2, 3}
t[#t] = nil
print(#t)
t[#t] = nil
print(#t)
