print(pcall(function() for x in nil do end end))
