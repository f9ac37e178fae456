local function f() end
print(setfenv(f, {}) == f)
