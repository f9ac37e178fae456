for i = 1, 0 do print("never") end
for i = 0, 1, -1 do print("never") end
print("done")
