print(pcall(xpcall, function() error("e") end, 42))
print(xpcall(function() return "ok" end, nil))
