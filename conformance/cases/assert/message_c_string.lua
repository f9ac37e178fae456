-- assert raises its message through luaL_error's "%s": a C string, so it ends at a zero byte
-- (found by differential fuzzing).
print(pcall(assert, false, "assertion m\0\0essage"))
print(pcall(assert, nil, "ab\0cd"))
local ok, e = pcall(assert, false, "\0x")
print(ok, #e)
