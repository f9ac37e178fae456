-- with a zero step the loop test is `limit <= var`, as for a negative step
local n = 0
for i = 1, 2, 0 do n = n + 1 end
print(n)
for i = 2, 1, 0 do
  n = n + 1
  if n == 3 then break end
end
print(n)
