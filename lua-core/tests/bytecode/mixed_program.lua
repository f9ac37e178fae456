local M = {}
M.__index = M
function M.new(x)
  local self = setmetatable({}, M)
  self.x = x or 0
  return self
end
function M:add(n)
  self.x = self.x + (n or 1)
  return self
end
function M:get() return self.x end
return M
