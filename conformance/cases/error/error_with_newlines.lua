print(pcall(function() error("line1\nline2") end))
