-- upper, lower and reverse work byte by byte; only ASCII letters change case.
print(string.upper("Hello, World! 123"), string.lower("Hello, World! 123"))
print(string.reverse("abc"), string.reverse(""), string.reverse(123))
local all = {}
for i = 0, 255 do all[#all + 1] = string.char(i) end
all = table.concat(all)
print(string.upper(all):byte(1, -1))
print(string.lower(all):byte(1, -1))
print(string.reverse("a\0b\255"):byte(1, -1))
print(pcall(function() return string.upper() end))
print(pcall(function() return string.lower(true) end))
print(pcall(function() return string.reverse() end))
