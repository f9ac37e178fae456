print(pcall(function() local k; return {[k] = 1} end))
