local obj = {n = 1}
function obj.inc(self, k) self.n = self.n + k return self end
obj:inc(2):inc(3)
print(obj.n)
