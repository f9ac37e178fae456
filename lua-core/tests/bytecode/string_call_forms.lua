f'a'
f"b"
f[[c]]
f[==[d]==]
obj:m'e'
obj:m{1}
