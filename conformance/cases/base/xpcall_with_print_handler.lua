print(xpcall(error, print))
