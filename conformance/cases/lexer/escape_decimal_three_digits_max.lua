print("\0499")
print(#"\1234")
