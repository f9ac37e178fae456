-- A [[ nested in a level-0 long comment is still an error.
local x = 1
--[[ first line
 second [[ line
]]
print(x)
