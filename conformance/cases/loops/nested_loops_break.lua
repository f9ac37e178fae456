local count = 0
for i = 1, 5 do
  for j = 1, 5 do
    if j > i then break end
    count = count + 1
  end
end
print(count)
