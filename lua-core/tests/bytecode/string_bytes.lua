local s = '\200\201\255\0abc'
local t = {['\0'] = 1}
print(s, '\r\n')
