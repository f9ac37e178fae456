print(loadstring("#!x\nreturn 1"))
