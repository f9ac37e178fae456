-- debug.debug: runs lines from stdin until 'cont'; errors go to stderr
x = 1
debug.debug()
print("after first session, x =", x)
debug.debug()
print("after end of input")
