-- Values travel both ways: resume arguments become the body's parameters, then yield's results;
-- yield arguments and the body's return values become resume's results.
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c, d = coroutine.yield(a + b, a * b)
  print("got", c, d)
  local e = coroutine.yield()
  print("got", e)
  return "done", e, nil
end)
print(type(co))
print(coroutine.resume(co, 2, 3))
print(coroutine.resume(co, "x", "y"))
print(coroutine.resume(co, 42, "extra", "ignored"))
print(select("#", coroutine.resume(co)))
print(coroutine.resume(co))
