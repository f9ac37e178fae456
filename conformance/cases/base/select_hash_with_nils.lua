print(select("#"), select("#", nil), select("#", nil, nil, nil))
