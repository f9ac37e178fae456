local fs = {}
for i = 1, 10 do
  local sq = i * i
  fs[i] = function() return sq end
  if i == 4 then break end
end
print(#fs, fs[1](), fs[4]())
