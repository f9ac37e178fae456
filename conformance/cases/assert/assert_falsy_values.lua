print(pcall(assert, 0), pcall(assert, ""))
