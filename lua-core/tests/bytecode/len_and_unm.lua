local t = {}
local n = #t
n = #'abc'
n = -n
n = -'2'
n = #t + 1
n = -t.x
