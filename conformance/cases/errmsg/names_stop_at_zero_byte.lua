-- Messages built with %s in lua5.1 stop at a zero byte in a name.
local t = {}
print(pcall(function() t["a\0b"]() end))
t["f\0g"] = function() error("x") end
print(pcall(function() t["f\0g"]() end))
print(select(2, xpcall(function() t["f\0g"]() end, debug.traceback)))
_G["glo\0bal"] = nil
print(pcall(function() _G["glo\0bal"]() end))
print(pcall(loadstring("local a\0b = 1")))
print(pcall(error, "x\0y"))
print(#select(2, pcall(error, "x\0y")))
