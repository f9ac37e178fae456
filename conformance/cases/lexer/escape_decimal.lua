local s = "\0\1\127\255"
print(#s)
print("\104\105")
print(#"\0001")
