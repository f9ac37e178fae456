function f() end
function a.b() end
function a.b.c() end
function a:m() return self end
function a.b:m(x) return self, x end
