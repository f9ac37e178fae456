local function f() return nil end
print(pcall(function() return f().x end))
