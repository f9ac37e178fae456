-- string.gmatch iterates over matches, moving past empty ones.
for w in string.gmatch("one two  three", "%a+") do print(w) end
for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do print(k, v) end
local t = {}
for m in ("abc"):gmatch("") do t[#t + 1] = "[" .. m .. "]" end
print(#t, table.concat(t))
t = {}
for m in ("abc"):gmatch("x*") do t[#t + 1] = "[" .. m .. "]" end
print(#t, table.concat(t))
t = {}
for p in ("hello"):gmatch("()l") do t[#t + 1] = p end
print(table.concat(t, ","))
t = {}
for m in ("^a^a"):gmatch("^a") do t[#t + 1] = m end
print(#t, table.concat(t, ","))
local it = string.gmatch("x1y2", "%d")
print(it(), it(), it(), it())
for a, b in string.gmatch("abcd", "(a)(b)") do print(a, b) end
t = {}
for c in string.gmatch("a,b,,c,", "([^,]*)") do t[#t + 1] = "<" .. c .. ">" end
print(table.concat(t))
for n in string.gmatch(123456, "%d%d") do print(n) end
print(pcall(function() return string.gmatch("x") end))
print(pcall(function() return string.gmatch() end))
print(pcall(function() for x in string.gmatch("abc", "(") do end end))
print(pcall(function() for x in string.gmatch("abc", "%") do end end))
print(pcall(function() for x in string.gfind("abc", ".") do print(x) end end))
