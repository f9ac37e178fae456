local a, b
if a == b then x = 1 end
if a ~= b then x = 2 end
if a < b then x = 3 end
if a <= 1 then x = 4 end
if 2 > b then x = 5 end
if a >= b then x = 6 end
