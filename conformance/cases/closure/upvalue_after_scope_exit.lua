local f
do
  local x = "captured"
  f = function() return x end
  x = "changed"
end
print(f())
