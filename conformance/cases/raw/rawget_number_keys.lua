local t = {10, 20}
print(rawget(t, 1), rawget(t, 2.0), rawget(t, "1"))
