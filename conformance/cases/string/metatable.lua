-- Strings index the string table through their metatable.
local s = "hello"
print(s:upper(), s:len(), s:sub(2, 3), ("x"):rep(3), ("%d"):format(42))
print(getmetatable("").__index == string)
print(("abc"):byte(-1))
print(#getmetatable("abc") == 0, type(getmetatable("")))
print(s.len == string.len, s.nope)
string.twice = function(x) return x .. x end
print(("ab"):twice())
print(pcall(function() return ("x"):rep() end))
print(pcall(function() return ("x"):bad() end))
print(pcall(function() local n = 5; return n:rep(2) end))
print(string.gfind == string.gmatch)
local names = {}
for k in pairs(string) do names[#names + 1] = k end
table.sort(names)
print(table.concat(names, " "))
