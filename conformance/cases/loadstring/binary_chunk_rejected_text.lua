print(loadstring("\27Lua junk"))
