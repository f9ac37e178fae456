local a = 1
function f() a = 2; return a end
function g() local b; return function() b = a; a = b end end
