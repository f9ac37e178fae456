--[==[
]] ]=] still inside
]==]
print("ok")
