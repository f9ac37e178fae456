-- Malformed patterns and bad capture references, with Lua 5.1's messages.
local patterns = {
  "%", "a%", "[a", "[a%", "[", "[^", "[]", "[^]", "(", "(()", "a)", ")", "%1", "(a)%2", "(a%1)", "%0",
  "%f", "%fa", "%f[a", "%b", "%ba", "(.)%1", "%g", "[%", "[%]", "x[", "x%", string.rep("()", 32),
  string.rep("()", 33), string.rep("(", 33), "(a)%9", "()%1",
}
for _, p in ipairs(patterns) do
  print(string.format("%-8q", p), pcall(string.find, "aab", p))
  print(string.format("%-8q", p), pcall(string.match, "aab", p))
  print(string.format("%-8q", p), pcall(string.gsub, "aab", p, "%0"))
end
print(pcall(function() return string.match("a", "(") end))
print(pcall(function() return ("a"):match("[a") end))
print(pcall(string.gsub, "abc", "a", "%2"))
print(pcall(string.gsub, "abc", "(a)", "%2"))
print(pcall(string.gsub, "abc", "(a", "%1"))
print(pcall(string.gsub, "abc", "(a", "x"))
print(pcall(string.gsub, "abc", "(a", {}))
