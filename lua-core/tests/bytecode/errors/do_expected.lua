while x f() end
