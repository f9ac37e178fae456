-- difftime converts to time_t first; clock gives a number
print(os.difftime(10, 3), os.difftime(10), os.difftime(1.9, 0.5), os.difftime(2^60, 1))
print(pcall(os.difftime))
print(pcall(os.difftime, "x"))
local c = os.clock()
print(type(c), c >= 0, c < 60)
