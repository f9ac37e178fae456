print(loadstring("--[[ x"))
