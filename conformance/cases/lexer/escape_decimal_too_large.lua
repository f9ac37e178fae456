local f, err = loadstring('return "\\256"')
print(f, err)
