local function it(state, ctl)
  if ctl < state.max then return ctl + 1, state.tag end
end
for i, tag in it, {max = 3, tag = "s"}, 0 do print(i, tag) end
