print(1 == "1", {} == {}, nil == false, true == 1)
