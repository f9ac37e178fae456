local t = {}
local u = {{}, {}}
x = {}
