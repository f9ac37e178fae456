local t = {"a", "b", "c"}
for i, v in ipairs(t) do
  i = i + 10
  print(i, v)
end
