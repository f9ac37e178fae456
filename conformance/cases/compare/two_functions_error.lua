print(pcall(function() return print < print end))
