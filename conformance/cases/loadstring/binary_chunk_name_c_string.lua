-- A binary chunk's errors name it with lua5.1's "%s": the chunk name ends at a zero byte
-- (found by differential fuzzing).
print(loadstring("\27Lua\81\0\1\8\1\0", "name\0rest"))
print(loadstring("\27Lua\81\0\1\8\1\0", "=short\0rest"))
print(loadstring("\27Lua\81\0\1\8\1\0", "\0hidden"))
