-- Functions survive string.dump and loadstring: results, varargs, nested closures,
-- constants of every kind, upvalues (fresh and nil after loading), big constructors.
local function check(name, f, ...)
  local g = assert(loadstring(string.dump(f)))
  print(name, pcall(g, ...))
end

check("sum", function(a, b) return a + b end, 2, 3)
check("varargs", function(...) return select('#', ...), ... end, 1, nil, 3)
check("arg table", function(...) return #{...} end, 1, 2, 3, 4)
check("constants", function() return nil, true, false, 0.1, -0, 1e300, "a\0b", "" end)
check("nested", function(x)
  local function inner(y) return function(z) return x + y + z end end
  return inner(10)(100)
end, 1)
local up = 41
local function uses_up() return up end
check("upvalue nil", uses_up)
local function sets_up(v) up = v; return up end
check("upvalue set", sets_up, 7)
print("original upvalue untouched", up)
check("loop", function(n) local s = 0 for i = 1, n do s = s + i end return s end, 100)
check("generic for", function(t)
  local keys = {}
  for k, v in ipairs(t) do keys[#keys + 1] = k .. "=" .. v end
  return table.concat(keys, ",")
end, {"a", "b", "c"})
check("while/repeat", function()
  local i, n = 0, 0
  while i < 10 do i = i + 1 end
  repeat n = n + 1 until n >= 5
  return i, n
end)
check("and/or", function(a, b) return a and b or "neither", not a end, false, 1)
check("method", function()
  local o = {v = 3}
  function o:get(k) return self.v * k end
  return o:get(5)
end)
check("concat", function(a) return a .. "-" .. 1 .. "-" .. 2.5 end, "x")
check("error line", function() local t = nil; return t.x end)
check("error call", function() error("boom") end)
check("error level 2", function() error("up", 2) end)
check("tail call", function(n)
  local function down(k) if k == 0 then return "done" end return down(k - 1) end
  return down(n)
end, 10000)

-- A constructor past one SETLIST batch number field (50 * 511 items).
local parts = {}
for i = 1, 26000 do parts[i] = tostring(i) end
local big = assert(loadstring("return {" .. table.concat(parts, ",") .. "}"))
local t = assert(loadstring(string.dump(big)))()
print("big constructor", #t, t[1], t[25550], t[25551], t[26000])

-- Functions from loadstring keep their chunk name; dumped ones keep it too.
local named = assert(loadstring("local x = nil; return x.y", "=named chunk"))
print(pcall(assert(loadstring(string.dump(named)))))
local from_source = assert(loadstring("error('at line 2')\n", "@some/file.lua"))
print(pcall(assert(loadstring(string.dump(from_source)))))

-- A dumped dump: the bytes are the same.
local d1 = string.dump(uses_up)
local d2 = string.dump(assert(loadstring(d1)))
print("stable", d1 == d2, #d1)

-- load with a reader function, and a chunk name.
local d = string.dump(function(...) return "read", ... end)
local pos = 0
local f = assert(load(function()
  pos = pos + 1
  if pos <= #d then return d:sub(pos, pos) end
end, "=reader"))
print(f(1, 2))

-- C functions cannot be dumped.
print(pcall(string.dump, print))
print(pcall(string.dump))
print(pcall(string.dump, {}))
