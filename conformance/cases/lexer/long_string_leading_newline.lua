-- the first newline right after the opening bracket is skipped
local s = [[
first]]
print(s, #s)
local t = [==[

two]==]
print(#t)
