print((nil or false) and 1, nil or (false and 1), 1 and (nil or 2))
