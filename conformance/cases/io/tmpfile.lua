-- io.tmpfile is open for update
local t = io.tmpfile()
print(io.type(t))
print(t:write("tmp!", 42))
print(t:seek("set"))
print(t:read("*a"))
print(t:close())
