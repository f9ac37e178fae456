print(type(getmetatable("")))
