print(pcall(function() return {[0/0] = 1} end))
