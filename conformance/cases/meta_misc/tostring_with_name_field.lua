local t = setmetatable({}, {__tostring = function(self) return "point(" .. self.x .. ")" end})
t.x = 3
print(t, tostring(t) .. "!")
