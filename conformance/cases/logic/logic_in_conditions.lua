local n = 0
if nil or false then n = 1 elseif 0 and "" then n = 2 else n = 3 end
print(n)
