local t = {}
t[true] = false
t[false] = true
t[nil == x] = nil
local a = t[true]
