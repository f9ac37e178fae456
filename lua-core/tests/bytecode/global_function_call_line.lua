print(
 'a'
)
print
'b'
