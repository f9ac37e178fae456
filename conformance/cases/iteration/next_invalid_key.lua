print(pcall(next, {a = 1}, "zzz"))
