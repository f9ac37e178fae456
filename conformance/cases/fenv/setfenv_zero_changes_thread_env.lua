local saved = _G
setfenv(0, {print = print, tostring = tostring})
print("still prints", 1)
-- the running function keeps its own environment
print(getfenv(1) == saved, getfenv(0) == saved)
local f = loadstring("return marker")
saved.marker = "from _G"
print(f())
setfenv(0, saved)
print(getfenv(0) == _G)
