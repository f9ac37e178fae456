local a, b, c
if a and (b or c) then f() elseif not a or b then g() end
local x = a and (b or c) or not a
