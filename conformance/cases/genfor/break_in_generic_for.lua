for i, v in ipairs({"a", "b", "c", "d"}) do
  if v == "c" then break end
  print(i, v)
end
