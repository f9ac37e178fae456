print(#{1, 2, nil}, #{1, 2, nil, nil}, #{nil}, #{nil, nil})
