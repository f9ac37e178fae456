for _, row in ipairs({{1, 2}, {3}}) do
  for _, v in ipairs(row) do print(v) end
end
