print("out")
error("err")
