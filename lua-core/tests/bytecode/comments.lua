-- a comment
local a = 1 -- trailing
--[[ long
comment ]] local b = 2
--[==[ another
]] still ]==] local c = 3
--[ not long
local d = 4
