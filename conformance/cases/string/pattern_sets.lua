-- Sets: ranges, classes inside sets, negation, and the special places of ']', '-' and '^'.
local function members(set)
  local out = {}
  for i = 32, 126 do
    if string.find(string.char(i), "^" .. set .. "$") then out[#out + 1] = string.char(i) end
  end
  return table.concat(out)
end
local sets = {
  "[abc]", "[^abc]", "[a-f]", "[^a-f]", "[a-]", "[-a]", "[]]", "[]a]", "[^]]", "[^]a]",
  "[%]]", "[%-]", "[%a_]", "[%d%.]", "[^%s%p]", "[a-c-e]", "[z-a]", "[%a-z]", "[a%-z]",
  "[.]", "[%%]", "[^^]", "[a^]", "[[]", "[%[]", "[a-a]", "[%w-]", "[!-/]", "[ -~]",
}
for _, s in ipairs(sets) do print(s, members(s)) end
print(string.match("x]y", "[]]"), string.match("a-b", "[%-]"), string.match("^", "[%^]"))
print(string.find("\0", "[%z]"), string.find("\0", "[^%z]"), string.find("\0a", "%Z"))
print(string.find("\200", "[\128-\255]"))
print(string.find("abc", "[b-]"))
