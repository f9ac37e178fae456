local a, b, c, d, e = "a", 1, "c", 2.5, "e"
print(a .. b .. c .. d .. e .. a .. b .. c .. d .. e)
