do
  local a = 1
  f = function() return a end
end
local b
