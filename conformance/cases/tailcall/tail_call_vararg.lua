local function count(...) return select("#", ...) end
local function pass(...) return count(...) end
print(pass(), pass(nil), pass(1, 2, 3))
