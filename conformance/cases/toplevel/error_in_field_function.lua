local t = {}
t.fn = function() error("field fn failed") end
t.fn()
