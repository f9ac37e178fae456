local a, b, c
if a and b then f() end
if a or b then f() end
if a and b or c then f() end
if (a or b) and (b or c) then f() end
while a and not b do f() end
