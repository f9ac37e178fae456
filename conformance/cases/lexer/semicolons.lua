local a = 1; local b = 2;
print(a + b);
-- an empty statement is not allowed in Lua 5.1
print(loadstring("local c = 1;;"))
print(loadstring(";"))
