local f = loadstring("local obj = {} function obj.a.b:c() end")
print(pcall(f))
