local x = 1 +
  2 *
  y
local s = 'a' ..
  'b' ..
  z
