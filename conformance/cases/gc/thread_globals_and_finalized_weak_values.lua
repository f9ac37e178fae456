local co = coroutine.wrap(function() setfenv(0, {print = print, tostring = tostring, loadstring = loadstring}) ; print(type(loadstring("return x"))) ; coroutine.yield() end)
co()
print("main ok", type(tostring))
local t = setmetatable({}, {__tostring = function() io.write("[side]") return "T" end})
print("a", t)
local weak = setmetatable({}, {__mode = "v"})
do local p = newproxy(true); getmetatable(p).__gc = function() print("gc sees", weak[1]) end; weak[1] = p end
collectgarbage()
print(weak[1])
