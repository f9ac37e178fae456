print(type("1" + 1), type(1 .. ""), type("1" .. 1))
