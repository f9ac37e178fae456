print(collectgarbage("collect"))
print(collectgarbage())
