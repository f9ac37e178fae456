local i = 0
while i < 10 do i = i + 1 end
while x do f() end
while not x do end
