print(type(collectgarbage("count")))
print(collectgarbage("count") > 0)
