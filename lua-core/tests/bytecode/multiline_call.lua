f(
  1,
  2
)
local x = g(
h)
