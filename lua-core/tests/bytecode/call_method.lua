local obj = {}
obj:m()
obj:m(1, 2)
obj.a.b:c 'x'
obj:m{}
local r = obj:m():n()
x:y(z:w())
