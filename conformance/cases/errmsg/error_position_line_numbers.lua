local function f()
  local t = nil

  return t.x
end
print(pcall(f))
