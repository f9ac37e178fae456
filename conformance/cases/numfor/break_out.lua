for i = 1, 10 do if i > 3 then break end print(i) end
