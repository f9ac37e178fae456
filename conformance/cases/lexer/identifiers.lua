local _a, a_1, A, _ = 1, 2, 3, 4
print(_a, a_1, A, _)
local goto = 5
print(goto)
