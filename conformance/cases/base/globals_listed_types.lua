local names = {"assert", "collectgarbage", "error", "getfenv", "getmetatable", "ipairs",
  "loadstring", "next", "pairs", "pcall", "print", "rawequal", "rawget", "rawset",
  "select", "setfenv", "setmetatable", "tonumber", "tostring", "type", "unpack", "xpcall"}
for _, n in ipairs(names) do print(n, type(_G[n])) end
