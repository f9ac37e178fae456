local v = 0
do do do do do do do do v = v + 1 end end end end end end end end
print(v)
