-- string.gsub with a function or a table: false/nil keep the match, other values must be strings or numbers.
print(string.gsub("hello world", "%w+", function(w) return w:upper() end))
print(string.gsub("hello world", "(%w)(%w*)", function(a, b) return a:upper() .. b end))
print(string.gsub("hello", ".", function(c) if c == "l" then return "L" end end))
print(string.gsub("hello", ".", function(c) return c == "e" and false end))
print(string.gsub("abc", ".", function(c) return c:byte() end))
print(string.gsub("abc", "()", function(p) return p end))
print(string.gsub("abc", "", function(...) return select("#", ...) end))
local vars = {name = "Lua", version = 5.1}
print(string.gsub("$name $version $missing", "%$(%w+)", vars))
print(string.gsub("abc", "%w", {a = 1, b = false}))
print(pcall(string.gsub, "abc", "%w", {a = 1, b = true}))
print(pcall(string.gsub, "abc", "%w", {a = {}}))
print(pcall(string.gsub, "abc", "%w", function() return {} end))
print(pcall(string.gsub, "abc", "%w", function() return true end))
print(pcall(string.gsub, "abc", "%w", function() error("inside") end))
local mt = setmetatable({}, {__index = function(t, k) return k .. k end})
print(string.gsub("abc", "%w", mt))
local calls = 0
print(string.gsub("aaaa", "a", function() calls = calls + 1; return "b" end, 2), calls)
print(pcall(string.gsub, "abc", "(", function() end))
print(pcall(string.gsub, "abc", "(.)(", {}))
print(string.gsub("abc", "(b)(c)", {b = "B"}))
-- Deeply nested calls of gsub from its own callback.
local function nest(n)
  if n == 0 then return "x" end
  return (string.gsub("a", "a", function() return nest(n - 1) end))
end
print(nest(50))
collectgarbage()
local parts = {}
local r = string.gsub(string.rep("ab", 200), "(a)(b)", function(a, b)
  collectgarbage("step")
  parts[#parts + 1] = a
  return b .. a
end)
print(#r, r:sub(1, 10), #parts)
