-- A message handler that raises an error is called again for that error (it stays
-- installed); its answer to the second error is the result. Only a handler that keeps
-- failing reaches "error in error handling".
print(xpcall(function() error('a') end, function(m) if m:find('a$') then error('b') end return 'handled:'..m end))
print(xpcall(function() error('a') end, function(m) error('always') end))
print(xpcall(function() error('a') end, function(m) return nil + m end))
local n = 0
print(xpcall(function() error('a') end, function(m) n = n + 1 if n < 5 then error('again' .. n) end return m end), n)
local seen = {}
print(xpcall(function() error({1}) end, function(m) seen[#seen + 1] = type(m) if type(m) == 'table' then error('from table', 0) end return 'final:' .. m end))
print(table.concat(seen, ','))
-- Deep recursion under a handler: the overflow is reported through the handler.
local function h(n) if n == 0 then error("deep") end return select(2, xpcall(function() return h(n - 1) end, function(m) return "H:" .. tostring(m) end)) end
print(h(250))
