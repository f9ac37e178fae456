-- os.exit with a status, and output flushed before it
print("a")
io.write("b\n")
os.exit(7)
print("never")
