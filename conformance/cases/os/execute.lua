-- os.execute returns the raw wait status; without a command, whether a shell exists
print(os.execute())
print(os.execute("exit 0"))
print(os.execute("exit 3"))
print(os.execute("kill -9 $$"))
