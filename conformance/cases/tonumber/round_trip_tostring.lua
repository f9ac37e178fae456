local values = {0, -1, 0.1, 1e100, 12345.6789, 2^53 + 1}
for i = 1, #values do
  print(tonumber(tostring(values[i])))
end
