-- Every character class (and its negation) over all 256 byte values, as the C locale defines them.
local function members(pattern)
  local out = {}
  for i = 0, 255 do
    if string.find(string.char(i), pattern) then out[#out + 1] = i end
  end
  return #out .. ": " .. table.concat(out, " ")
end
for _, c in ipairs({"a", "c", "d", "l", "p", "s", "u", "w", "x", "z"}) do
  print("%" .. c, members("^%" .. c .. "$"))
  print("%" .. c:upper(), members("^%" .. c:upper() .. "$"))
end
print(".", members("^.$"))
print("%.", members("^%.$"))
print("%%", members("^%%$"))
print("%]", members("^%]$"))
print("%y", members("^%y$"))
print("%Y", members("^%Y$"))
print("%\\255", members("^%\255$"))
