local t = {3, 2, 1}
local n = 0
while t[#t] do t[#t] = nil n = n + 1 end
print(n, #t)
