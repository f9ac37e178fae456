print(pcall(function() local a, b = "x", nil return a .. "y" .. b .. "z" end))
