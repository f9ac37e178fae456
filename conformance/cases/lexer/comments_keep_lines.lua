-- Comments are condensed as the file is read: line numbers after them stay right.
local t = {} --[==[ a long
comment ]] still ]=] inside
]==] local s = "--[[ not a comment" -- short
--[[


]] local u = [[ a -- long string
]] .. [=[
--]]]=]
print(s, u)
print(#t) --[[ trailing ]] error("line " .. 8)
