print(pcall(loadstring))
print(pcall(loadstring, nil))
print(loadstring(42 .. "") == nil)
