-- an unknown escape keeps the character
print("\q\%\[")
