local it = setmetatable({}, {__call = function(self, s, c) if c < 3 then return c + 1 end end})
for i in it, nil, 0 do print(i) end
