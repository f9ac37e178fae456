print(pcall(function() error("boom") end))
print(select("#", pcall(function() error("boom") end)))
