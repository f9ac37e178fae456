-- plain
--[ not long
--[= not long either
print(1) -- trailing
---[[ a line comment, not a block
print(2)
--]]
