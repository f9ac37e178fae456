function f(a, b)
  return function(c) a = a + c return a, b end
end
