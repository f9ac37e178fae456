-- debug.sethook: call, return, tail return and line events with their arguments
local events = {}
local function record(event, line)
  local info = debug.getinfo(2, "nS")
  events[#events + 1] = event .. " " .. tostring(line) .. " " .. tostring(info.name) .. " " .. info.what
end
local function leaf(x) return x + 1 end
local function tail(x) return leaf(x) end
local function body()
  local a = leaf(1)
  a = tail(a)
  for i = 1, 2 do a = a + i end
  return a
end
debug.sethook(record, "crl")
body()
debug.sethook()
for _, e in ipairs(events) do print(e) end
