-- debug.getinfo on a call lost to a tail call
local function show(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do print("", k, t[k]) end
end
local function inner()
  show(debug.getinfo(2))
  print("invalid options ignored:", debug.getinfo(2, "xyz") ~= nil)
  print("level 3", debug.getinfo(3, "S").what)
  print("negative level", debug.getinfo(-1, "S").what)
end
local function outer() return inner() end
outer()
