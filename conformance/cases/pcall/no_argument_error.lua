print(pcall(pcall))
