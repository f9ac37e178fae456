if 1 < 2 then f() end
if 'a' == 'a' then g() end
local x = 1 == 1
local y = nil ~= false
while 1 > 2 do end
