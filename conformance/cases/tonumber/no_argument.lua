print(pcall(tonumber))
