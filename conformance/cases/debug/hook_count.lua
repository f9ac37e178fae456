-- count hooks: instructions run inside the hook count too
for _, n in ipairs{1, 2, 3, 4, 5, 7, 100, 1000} do
  local a = 0
  debug.sethook(function() a = a + 1 end, "", n)
  for i = 1, 1000 do end
  debug.sethook()
  print(n, a)
end
local a = 0
local kinds = {}
debug.sethook(function(e, l) a = a + 1; kinds[e] = (kinds[e] or 0) + 1 end, "l", 10)
for i = 1, 100 do end
debug.sethook()
print("count with line mask", a, kinds.count, kinds.line)
