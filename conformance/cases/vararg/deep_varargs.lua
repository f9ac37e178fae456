-- Deep calls each passing thousands of varargs: lua5.1 limits call depth, not the stack's size.
local t = {}
for i = 1, 7000 do t[i] = i end
local function f(depth, ...)
  if depth == 0 then return select('#', ...) end
  return (f(depth - 1, ...))
end
print(pcall(f, 150, unpack(t)))
print(pcall(f, 1000, unpack(t)))
local function g(n, ...) if n == 0 then return 0 end return g(n - 1, ...) + 1 end
print(pcall(g, 5000))
print(pcall(g, 19000))
local ok, e = pcall(g, 30000) print(ok, e)
local function h(n) if n == 0 then return 0 end return 1 + h(n - 1) end
print(pcall(h, 100000))
print(pcall(h, 190000))
