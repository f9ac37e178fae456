local s = 'abc'
local u = s:upper()
local n = ('x'):rep(3)
local f = string.format('%d', 1)
