print("args:", ...)
