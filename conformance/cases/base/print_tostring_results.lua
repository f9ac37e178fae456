-- print accepts what lua_tostring accepts from __tostring (strings and numbers); tostring
-- returns the metamethod's first result as it is.
local mt = {__tostring = function() return 42 end}
print(pcall(print, setmetatable({}, mt)))
print(pcall(tostring, setmetatable({}, mt)))
print(select('#', tostring(setmetatable({}, mt))), type(tostring(setmetatable({}, mt))))
local mt2 = {__tostring = function() return nil end}
print(pcall(print, setmetatable({}, mt2)))
print(pcall(tostring, setmetatable({}, mt2)))
local mt3 = {__tostring = function() return {} end}
print(pcall(print, setmetatable({}, mt3)))
print(type(select(2, pcall(tostring, setmetatable({}, mt3)))))
local mt4 = {__tostring = function() return true end}
print(pcall(print, setmetatable({}, mt4)))
print(pcall(tostring, setmetatable({}, mt4)))
local mt5 = {__tostring = function() return 1.5, "x" end}
print(pcall(print, setmetatable({}, mt5)))
print(pcall(tostring, setmetatable({}, mt5)))
print(pcall(string.format, "%s", setmetatable({}, mt)))
print(pcall(string.format, "%s", setmetatable({}, mt2)))
