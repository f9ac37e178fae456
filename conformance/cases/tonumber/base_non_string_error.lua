print(pcall(tonumber, {}, 16))
print(pcall(tonumber, nil, 10))
