local function validate(n)
  if type(n) ~= "number" then
    error("expected number, got " .. type(n), 2)
  end
  return n
end
local function use()
  return validate("x")
end
print(pcall(use))
