f():g()
f().x:y(1)
local a = f():g():h()
