-- output is bytes: high bytes and control characters pass through
print("b\255c\1\127\r")
print("\200\201", #"\200\201")
-- print writes each value as a C string, so it stops at a zero byte
print("a\0b", "c")
