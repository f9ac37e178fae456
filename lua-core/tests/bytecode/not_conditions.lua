local a, b
if not a then f() end
if not (a and b) then f() end
if not a == b then f() end
if not not a then f() end
repeat f() until not a
