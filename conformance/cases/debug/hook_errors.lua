-- errors raised inside hooks propagate to the code being traced
debug.sethook(function(e, l) if l == 6 then error("stop at line " .. l) end end, "l")
print(pcall(function()
  local x = 1
  x = x + 1
  x = x + 2
  return x
end))
debug.sethook()
print(debug.gethook())
-- hooks are not called from inside a hook
local n = 0
debug.sethook(function() n = n + 1; local t = {}; for i = 1, 3 do t[i] = i end end, "l")
local y = 1
y = y + 1
debug.sethook()
print("line events", n)
