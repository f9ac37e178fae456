-- A message that is neither a string nor a number: lua5.1 returns the value on top of the
-- stack, which is the last argument (after a numeric level has been popped).
print(debug.traceback(nil, "msg"))
print(debug.traceback(nil, "msg", 1))
print(debug.traceback(nil, nil))
local t = {}
print(debug.traceback(t, 3) == t)
print(type(debug.traceback({})))
print(debug.traceback(true, "a", "b"))
print(debug.traceback(false, 2, "x"))
local co = coroutine.create(function() end)
print(debug.traceback(co, nil, "last"))
print(debug.traceback(co, t, 1) == t)
print(select('#', debug.traceback(nil, "x", "y", 4)))
print(debug.traceback(nil, "x", "y", 4))
