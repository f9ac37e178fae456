for i = 1, 2 do for k, v in pairs(t) do while v do v = v.next end end end
