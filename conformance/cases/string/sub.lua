-- string.sub clamps positions; negative ones count from the end.
local s = "abcdef"
local cases = {
  {1}, {3}, {-2}, {0}, {10}, {-10},
  {2, 4}, {2, -2}, {-3, -1}, {0, 0}, {1, 0}, {4, 2}, {-100, 100}, {3, 3}, {7, 7},
  {1.9, 2.9}, {-1.5}, {"2", "3"}, {2^40, 1}, {-2^40, 2^40}, {1, -7}, {1, -6},
}
for _, c in ipairs(cases) do
  print(c[1], c[2], "[" .. s:sub(c[1], c[2]) .. "]")
end
print(("x"):sub(1, 1), (""):sub(1), (""):sub(0, -1))
print(string.sub(12345, 2, 3))
print(pcall(function() return string.sub("abc") end))
print(pcall(function() return string.sub("abc", "x") end))
print(pcall(function() return string.sub("abc", 1, {}) end))
print(pcall(function() return ("abc"):sub() end))
print(pcall(function() return string.sub() end))
