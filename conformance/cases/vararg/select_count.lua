local function n(...) return select("#", ...) end
print(n(), n(nil), n(nil, nil), n(1, nil, 3, nil))
