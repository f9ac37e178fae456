print(tostring(10), tostring(-2.5), tostring(1e20), tostring(1/0))
print(type(tostring(1)))
