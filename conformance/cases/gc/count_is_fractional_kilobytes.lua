local c = collectgarbage("count")
print(c == c, c < 1e9)
