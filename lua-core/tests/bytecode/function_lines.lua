local function f(
  a,
  b
)
  return
    a +
    b
end
local t = {
  1,
  2,
}
