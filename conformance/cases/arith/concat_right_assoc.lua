local log = {}
local mt = {__concat = function(a, b)
  local x = type(a) == "table" and a.n or a
  local y = type(b) == "table" and b.n or b
  return {n = "(" .. x .. "," .. y .. ")"}
end}
local function v(n) return setmetatable({n = n}, mt) end
print((v("a") .. v("b") .. v("c")).n)
