local fs = {}
for i = 1, 3 do
  i = i * 10
  fs[#fs + 1] = function() return i end
end
print(fs[1](), fs[2](), fs[3]())
