local t = {}
print(pcall(function()
  return 1 +
    t.missing
end))
