print("partial output")
error("fail")
