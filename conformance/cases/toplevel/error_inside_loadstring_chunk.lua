local f = loadstring("local a = nil\nreturn a.b", "=chunk")
f()
