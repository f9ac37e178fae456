local t = {a = {}}
function t.a.f(x) return x end
function t.a:g(x) return self == t.a, x end
print(t.a.f(1), t.a:g(2))
