-- os.getenv: present and absent variables
print(type(os.getenv("PATH")))
print(os.getenv("LUA_CONFORMANCE_SURELY_UNSET"))
print(os.getenv(""))
print(os.getenv("PATH=x"))
print(pcall(os.getenv))
print(pcall(os.getenv, {}))
