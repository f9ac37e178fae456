print(pcall(function() return {} < {} end))
