-- a CR LF pair inside a long string becomes one newline
local s = loadstring("return [[a\r\nb\n\rc\r\rd]]")()
print(#s)
print(s == "a\nb\nc\n\nd")
