-- load(reader) calls the reader only while the compiler needs input, as lua5.1 does:
-- each line shows how many times the reader was called and what load returned.
local i = 0
local function reader() i = i + 1; return ("*a = 123"):sub(i, i) end
print(load(reader))
print(i)
local function pieces(list, name)
  local n = 0
  local f, err = load(function() n = n + 1; return list[n] end, name)
  print(n, f and "function" or f, err)
end
pieces({"return 1", " + ", "2", nil})
pieces({"x = = 1", "more", "more"})
pieces({"x = ", "= 1", "more"})
pieces({"local s = 'abc", "def' ret", "urn s"})
pieces({"local s = 'abc\n", "def'"})
pieces({"--[[ long", " comment ]] return", " 1"})
pieces({"return 1e", "+5"})
pieces({"return 0x", "1F"})
pieces({"return 3..", "4"})
pieces({"x = [", "[long]]"})
pieces({"x = 1 y", " = 2 z z", "z"})
pieces({"for i = 1, 3 do end end", "x"})
pieces({"return \"a\\", "n\""})
pieces({"return '\\2", "55'", "x"})
pieces({"return ", 1, 2})
pieces({"f(", "x", ")(", ")", "+"})
local d = string.dump(function() return "bin" end)
local list = {}
for k = 1, #d do list[k] = d:sub(k, k) end
list[#list + 1] = "trailing"
pieces(list)
pieces({d:sub(1, 10), d:sub(11, 40)})
pieces({"\27Lua", "\81\1"})
