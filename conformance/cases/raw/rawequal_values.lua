print(rawequal(1, 1), rawequal("a", "a"), rawequal(1, "1"), rawequal(nil, nil), rawequal(0, -0))
