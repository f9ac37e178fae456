gt = {}
print(pcall(function() gt.run() end))
