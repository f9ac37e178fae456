print(pcall(setfenv, print, {}))
