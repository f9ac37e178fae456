print(#{1, nil, 3}, #{nil, 2}, #{1, nil, 3, nil, 5})
