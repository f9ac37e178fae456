-- argument errors name the function as it was called
print(pcall(function() table.insert(nil, 1) end))
print(pcall(function() table.concat({}, {}) end))
print(pcall(function() local t = table t.sort({}, 1) end))
print(pcall(function() local ins = table.insert ins({}, 1, 2, 3) end))
print(pcall(function() table.remove({}, {}) end))
print(pcall(function() table.concat({{}}) end))
print(pcall(function() table.sort({3, 2, 1}, function() return true end) end))
