local function sort(t, lt)
  lt = lt or function(a, b) return a < b end
  for i = 2, #t do
    local v = t[i]
    local j = i - 1
    while j >= 1 and lt(v, t[j]) do
      t[j + 1] = t[j]
      j = j - 1
    end
    t[j + 1] = v
  end
  return t
end
