local i, j = 0, 10
while i < j and (i % 2 == 0 or j > 5) do i = i + 1 end
