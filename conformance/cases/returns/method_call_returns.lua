local obj = {v = 5}
function obj:get() return self.v, self.v * 2 end
print(obj:get())
