print(1 or 2, nil or 2, false or nil, nil or false, false or false)
