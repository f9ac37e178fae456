print(pcall(function() undefinedfunc() end))
