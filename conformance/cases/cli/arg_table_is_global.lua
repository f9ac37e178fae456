print(type(arg), rawget(_G, "arg") == arg)
