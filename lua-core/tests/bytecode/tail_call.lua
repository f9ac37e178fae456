function a(x) return f(x) end
function b(x) return x:m() end
function c(x) return f(x), 1 end
function d(x) return (f(x)) end
return f()
