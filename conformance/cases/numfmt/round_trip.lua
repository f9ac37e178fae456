for _, v in ipairs({0.1, 1/3, 1e15, 123.456, -7.25, 2^63}) do
  print(v, tonumber(tostring(v)) == v)
end
