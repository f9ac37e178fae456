local function outer()
  local function inner(n)
    if n > 0 then return inner(n - 1) end
    return outer
  end
  return inner
end
