local t = {}
local ok = pcall(function() t.a = 1 error("x") end)
print(ok, t.a)
