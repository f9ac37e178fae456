print(collectgarbage("stop"))
print(collectgarbage("restart"))
