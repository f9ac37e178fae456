local function f() return x end
setfenv(f, {x = "from env"})
print(f(), x)
