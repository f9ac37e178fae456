print(collectgarbage("setpause", 100))
print(collectgarbage("setpause", 200))
print(collectgarbage("setstepmul", 400))
print(collectgarbage("setstepmul", 200))
