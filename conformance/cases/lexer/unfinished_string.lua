print(loadstring("return 'abc"))
print(loadstring("return 'abc\ndef'"))
