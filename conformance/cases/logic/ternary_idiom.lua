local function pick(c) return c and "yes" or "no" end
print(pick(true), pick(nil), pick(0), (true and false or "fallback"))
