local goto = 1
local continue = 2
print(goto + continue)
