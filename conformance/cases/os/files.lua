-- os.remove, os.rename and os.tmpname, with the C library's error messages
local name = os.tmpname()
local function show(...)
  -- prints like print, with the temporary file's name (which varies) replaced
  local out = {}
  for i = 1, select("#", ...) do
    out[i] = (tostring((select(i, ...))):gsub(name:gsub("%p", "%%%0"), "TMPNAME"))
  end
  print(table.concat(out, "\t"))
end
print(name:match("^/tmp/lua_%w%w%w%w%w%w$") ~= nil)
local f = io.open(name)
print(f ~= nil)
f:close()
local other = name .. ".renamed"
print(os.rename(name, other))
show(io.open(name))
print(os.remove(other))
print(select(2, os.remove(other)) == other .. ": No such file or directory")
print(os.remove("/nonexistent/x"))
print(os.rename("/nonexistent/x", "/nonexistent/y"))
print(os.remove(""))
print(pcall(os.remove))
print(pcall(os.rename, "a"))
