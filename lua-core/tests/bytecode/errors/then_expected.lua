if x f() end
