local out = ""
for _, v in ipairs({0, "", false}) do
  if v then out = out .. "T" else out = out .. "F" end
end
if nil then out = out .. "T" else out = out .. "F" end
print(out)
