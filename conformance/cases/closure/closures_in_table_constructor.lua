local x = 0
local t = {function() x = x + 1 return x end, function() return x end}
t[1]() t[1]()
print(t[2]())
