local function f(x)
  if x then do return "early" end end
  return "late"
end
print(f(true), f(false))
