print(loadstring("x = \"abc"))
print(loadstring("x = \"abc\ndef\""))
