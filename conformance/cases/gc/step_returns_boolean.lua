print(type(collectgarbage("step")))
