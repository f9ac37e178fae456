if true then f() end
if nil then f() end
if false then f() else g() end
if 1 then f() end
if 'x' then f() end
while true do f() end
