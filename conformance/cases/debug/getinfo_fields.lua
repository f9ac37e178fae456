-- debug.getinfo: every field, for Lua functions, C functions, the main chunk and levels
local function show(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = t[k]
    if type(v) == "function" then v = (v == print and "print") or "function" end
    if type(v) == "table" then
      local lines = {}
      for l in pairs(v) do lines[#lines + 1] = l end
      table.sort(lines)
      v = "{" .. table.concat(lines, ",") .. "}"
    end
    print("", k, v)
  end
end

local function f(a, b)
  local c = a + b
  return c
end

print("Lua function, default options")
show(debug.getinfo(f))
print("C function")
show(debug.getinfo(print))
print("main chunk, level 1")
show(debug.getinfo(1))
print("options S")
show(debug.getinfo(f, "S"))
print("options l")
show(debug.getinfo(f, "l"))
print("options u on closure with upvalues")
local up1, up2 = 1, 2
local function g() return up1 + up2 end
show(debug.getinfo(g, "u"))
print("options L")
show(debug.getinfo(f, "L"))
print("options n")
show(debug.getinfo(f, "n"))
print("options f")
show(debug.getinfo(f, "f"))
print("empty options")
show(debug.getinfo(f, ""))
print("level 0 is getinfo")
show(debug.getinfo(0, "nSl"))
print("level out of range", debug.getinfo(50))
print("string level", debug.getinfo("1", "l").currentline)
print("pairs order")
for k in pairs(debug.getinfo(f)) do io.write(k, " ") end
print()
for k in pairs(debug.getinfo(1, "SlnufL")) do io.write(k, " ") end
print()
