-- Binary chunks load from files: loadfile, dofile, require, and the command line.
local dir = os.tmpname()
os.remove(dir)
local function write(path, bytes)
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
end

local chunk = assert(loadstring("local a, b = ... return 'file chunk', a, b", "@mod.lua"))
local path = dir .. "-chunk.luac"
write(path, string.dump(chunk))
print(assert(loadfile(path))(1, 2))
print(dofile(path))

-- A module precompiled into the package path.
write(dir .. "-mod.luac", string.dump(assert(loadstring("return {name = ...}"))))
package.path = dir .. "-?.luac"
local m = require("mod")
print(type(m), m.name)

-- A cut file: the error names the file.
write(path, string.dump(chunk):sub(1, 20))
local f, err = loadfile(path)
print(f, (err:gsub(dir, "DIR")))
print((select(2, pcall(dofile, path)):gsub(dir, "DIR")))

-- A first line starting with '#' is skipped; binary content is read from its signature.
write(path, "#!/usr/bin/lua\n" .. string.dump(assert(loadstring("return 'after #!'"))))
print(assert(loadfile(path))())
write(path, "#comment\r\n" .. string.dump(assert(loadstring("return 'after CRLF'"))))
print(assert(loadfile(path))())
write(path, "#comment\nerror('line 2')")
print((select(2, pcall(dofile, path)):gsub(dir, "DIR")))

os.remove(path)
os.remove(dir .. "-mod.luac")
