-- A yield cannot cross a call made from C: pcall, metamethods, iterators called by the for
-- loop, library callbacks, the main thread.
local function run(label, f)
  local co = coroutine.create(f)
  print(label, coroutine.resume(co))
  print(label, coroutine.status(co))
end
run("pcall", function() return pcall(coroutine.yield, 1) end)
run("pcall body", function() return pcall(function() coroutine.yield(1) end) end)
run("__index", function()
  local t = setmetatable({}, {__index = function(t, k) return coroutine.yield(k) end})
  return t.x
end)
run("__add", function()
  local t = setmetatable({}, {__add = function(a, b) coroutine.yield() return 1 end})
  return t + 1
end)
run("__concat", function()
  local t = setmetatable({}, {__concat = function(a, b) coroutine.yield() return "" end})
  return t .. "x"
end)
run("for iterator", function()
  for k in function() coroutine.yield("it") return nil end do end
end)
run("sort comparator", function()
  table.sort({3, 1, 2}, function(a, b) coroutine.yield() return a < b end)
end)
run("gsub callback", function()
  return (string.gsub("abc", "%w", function(c) coroutine.yield(c) end))
end)
run("tostring", function()
  return tostring(setmetatable({}, {__tostring = function() coroutine.yield() return "" end}))
end)
print("main", pcall(coroutine.yield, 1))
