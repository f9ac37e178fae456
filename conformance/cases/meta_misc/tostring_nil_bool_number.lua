print(tostring(nil), tostring(true), tostring(false), tostring(12.5))
