print(tostring(1e15), tostring(-0), tostring(0/0) == tostring(0/0))
